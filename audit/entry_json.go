package audit

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/internal/jsonenc"
)

// appendEntryBody appends the hashed part of an entry (entryBody) as
// json.Marshal writes it: the same members in the same order, the same
// escaping, details' keys sorted. Every issued token records an event,
// and encoding/json's reflection over the struct and its details map was
// about 2.5% of a client_credentials request's CPU. FuzzEntryBodyJSON
// compares the two byte for byte; a field added to Event and not here
// fails TestEntryBodyJSONEveryField.
func appendEntryBody(buf []byte, seq uint64, prev string, e *Event) ([]byte, error) {
	buf = strconv.AppendUint(append(buf, `{"seq":`...), seq, 10)
	buf = jsonenc.AppendString(append(buf, `,"prev_hash":`...), prev)
	buf = append(buf, `,"time":`...)
	if y := e.Time.Year(); y >= 0 && y <= 9999 && e.Time.Location() == time.UTC {
		buf = append(e.Time.AppendFormat(append(buf, '"'), time.RFC3339Nano), '"')
	} else { // offsets and years encoding/json checks or refuses
		b, err := json.Marshal(e.Time)
		if err != nil {
			return buf, err
		}
		buf = append(buf, b...)
	}
	buf = jsonenc.AppendString(append(buf, `,"type":`...), string(e.Type))
	buf = jsonenc.AppendString(append(buf, `,"outcome":`...), string(e.Outcome))
	for _, f := range [...]struct{ name, v string }{
		{`,"actor":`, e.Actor}, {`,"subject":`, e.Subject}, {`,"client_id":`, e.ClientID},
		{`,"key_id":`, e.KeyID}, {`,"reason":`, e.Reason}, {`,"remote_addr":`, e.RemoteIP},
		{`,"user_agent":`, e.UserAgent}, {`,"request_id":`, e.RequestID}, {`,"node":`, e.Node},
	} {
		if f.v != "" {
			buf = jsonenc.AppendString(append(buf, f.name...), f.v)
		}
	}
	if len(e.Details) > 0 {
		var err error
		if buf, err = jsonenc.Append(append(buf, `,"details":`...), e.Details); err != nil {
			return buf, err
		}
	}
	return append(buf, '}'), nil
}
