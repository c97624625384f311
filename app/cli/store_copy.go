package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/store/postgres"
)

const storeUsage = `Usage: latchkey store copy --from DIR --to postgres://...

Copies every record of the single-node installation in DIR (its Badger
store: clients, users, scopes, keys in every state, grants and refresh
families, consents, sessions, identity providers and links, routes and
settings, revocations and single-use records) into an empty PostgreSQL
database, in one transaction, and prints the count per kind. Stop the
server on DIR first. The target is migrated if needed and must hold no
record. The data-encryption key is DIR's ($LATCHKEY_ENCRYPTION_KEY or
DIR/encryption.key, or --encryption-key-file); every node on the target
needs the same one.

The audit log is copied too, its hash chain intact (every event keeps its
stored form and hash; "latchkey audit verify" passes on the target), as
the chain of --node-id (default: the host name): the node that runs with
that id on the target goes on from the copied chain's head.
`

// runStore runs `latchkey store copy` and `latchkey store check`.
func runStore(args []string, env Env) error {
	if len(args) > 0 && args[0] == "check" {
		return runStoreCheck(args, env) // store_check.go
	}
	if len(args) == 0 || args[0] != "copy" {
		fmt.Fprint(env.Stderr, storeUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	var c common
	fs := newFlagSet("store copy", storeUsage, env.Stderr)
	c.register(fs)
	from := fs.String("from", "", "the data directory to copy from")
	to := fs.String("to", "", "the empty PostgreSQL database to copy into (postgres://...)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *from == "" || !postgres.IsDSN(*to) {
		fs.Usage()
		return errUsage
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	c.data = *from
	key, err := c.storeKey(*from, log)
	if err != nil {
		return err
	}
	src, err := badger.Open(badger.Options{Dir: filepath.Join(*from, "store"), EncryptionKey: key})
	if err != nil {
		return fmt.Errorf("store copy: %w", err)
	}
	defer src.Close()
	dst, err := postgres.Open(context.Background(), postgres.Options{DSN: *to, EncryptionKey: key, Migrate: true, Logger: log})
	if err != nil {
		return fmt.Errorf("store copy: %w", err)
	}
	defer dst.Close()
	alog, err := audit.Open(audit.Options{Dir: filepath.Join(*from, "audit"), EncryptionKey: key, Retention: -1, NodeID: c.nodeID, Logger: &log})
	if err != nil {
		return fmt.Errorf("store copy: %w", err)
	}
	defer alog.Close()
	if err := copyStore(context.Background(), src, dst, env.Stdout); err != nil {
		return err
	}
	n, err := audit.CopyToPostgres(context.Background(), alog, dst.Pool(), c.nodeID)
	if err != nil {
		return fmt.Errorf("store copy: the records were copied, the audit log was not: %w", err)
	}
	fmt.Fprintf(env.Stdout, "audit events\t%d\n", n)
	return nil
}

// copyStore copies every record of src into the empty dst and prints the
// count per kind.
func copyStore(ctx context.Context, src authcore.Exporter, dst authcore.Importer, out io.Writer) error {
	snap, err := src.Export(ctx)
	if err != nil {
		return fmt.Errorf("store copy: read the source: %w", err)
	}
	if err := dst.Import(ctx, snap); err != nil {
		return fmt.Errorf("store copy: %w; nothing was copied", err)
	}
	for _, k := range snapshotCounts(snap) {
		fmt.Fprintf(out, "%s\t%d\n", k.kind, k.n)
	}
	return nil
}

type kindCount struct {
	kind string
	n    int
}

// snapshotCounts are the records of s per kind, in a fixed order.
func snapshotCounts(s authcore.Snapshot) []kindCount {
	return []kindCount{
		{"clients", len(s.Clients)}, {"users", len(s.Users)}, {"consents", len(s.Consents)},
		{"sessions", len(s.Sessions)}, {"scopes", len(s.Scopes)}, {"settings", len(s.Settings)},
		{"signing keys", len(s.SigningKeys)}, {"authorization codes", len(s.AuthCodes)},
		{"grants", len(s.Grants)}, {"refresh tokens", len(s.RefreshTokens)},
		{"revocations", len(s.Revocations)}, {"single-use records", len(s.UsedOnce)},
		{"identity providers", len(s.IdentityProviders)}, {"federated links", len(s.FederatedLinks)},
		{"pushed requests", len(s.PushedRequests)}, {"device codes", len(s.DeviceCodes)},
		{"second factors", len(s.Factors)},
	}
}
