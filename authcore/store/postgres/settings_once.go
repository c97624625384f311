package postgres

import (
	"context"
	"strings"
)

// secretSettingPrefix marks settings whose value is a secret the server
// reads back (the pairwise-subject salt): their column holds a sealed
// value, opened on read and in snapshots, so a database dump does not
// show them.
const secretSettingPrefix = "secret."

func settingAD(name string) string { return "settings/" + name }

// sealSetting is the column value of setting name.
func (s *Store) sealSetting(name string, v []byte) []byte {
	if !strings.HasPrefix(name, secretSettingPrefix) {
		return v
	}
	return s.aead.seal(v, settingAD(name))
}

// openSetting is the value of setting name read from its column.
func (s *Store) openSetting(name string, v []byte) ([]byte, error) {
	if !strings.HasPrefix(name, secretSettingPrefix) {
		return v, nil
	}
	return s.aead.open(v, settingAD(name))
}

// CreateSetting stores value under name unless it holds a value already
// (INSERT ... ON CONFLICT DO NOTHING: one writer wins on every node), and
// returns the stored value.
func (s *Store) CreateSetting(ctx context.Context, name string, value []byte) ([]byte, error) {
	if name == "" {
		return nil, errEmptyID
	}
	if value == nil {
		value = []byte{}
	}
	if _, err := s.exec(ctx, `INSERT INTO settings (name, value) VALUES ($1,$2) ON CONFLICT (name) DO NOTHING`,
		name, s.sealSetting(name, value)); err != nil {
		return nil, err
	}
	return s.GetSetting(ctx, name)
}
