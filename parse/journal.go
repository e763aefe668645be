package parse

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"knocks"
)

// journalRecord holds the fields of a `journalctl -o json` object that the
// parser uses. Values are strings, arrays of byte values (fields that are
// not valid UTF-8) or arrays of those (fields that occur more than once).
type journalRecord struct {
	Message    json.RawMessage `json:"MESSAGE"`
	Identifier json.RawMessage `json:"SYSLOG_IDENTIFIER"`
	Comm       json.RawMessage `json:"_COMM"`
	PID        json.RawMessage `json:"_PID"`
	SyslogPID  json.RawMessage `json:"SYSLOG_PID"`
	Hostname   json.RawMessage `json:"_HOSTNAME"`
	Realtime   json.RawMessage `json:"__REALTIME_TIMESTAMP"`
}

var sshdQuote = []byte(`"sshd`)

// journalMessage decodes a journald JSON line of sshd: it fills ev's time,
// host, program and pid and returns the MESSAGE. ok is false for objects of
// other programs and for malformed JSON.
func journalMessage(b []byte, ev *knocks.Event) (msg []byte, ok bool) {
	if !bytes.Contains(b, sshdQuote) {
		return nil, false
	}
	var r journalRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, false
	}
	ident := journalValue(r.Identifier)
	if ident == nil {
		ident = journalValue(r.Comm)
	}
	if !isSSHD(ident) {
		return nil, false
	}
	msg = journalValue(r.Message)
	if msg == nil {
		return nil, false
	}
	ev.Program = program(ident)
	ev.Host = string(journalValue(r.Hostname))
	pid := journalValue(r.PID)
	if pid == nil {
		pid = journalValue(r.SyslogPID)
	}
	ev.PID, _ = atoi(pid)
	if us, err := strconv.ParseInt(string(journalValue(r.Realtime)), 10, 64); err == nil && us > 0 {
		ev.Time = time.UnixMicro(us).UTC()
	}
	return msg, true
}

// journalValue decodes a journald field value: a string, an array of byte
// values, or an array of such values (the first is taken). It returns nil
// for an absent or malformed value.
func journalValue(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		return []byte(s)
	case '[':
		var nums []int
		if json.Unmarshal(raw, &nums) == nil {
			out := make([]byte, 0, len(nums))
			for _, n := range nums {
				if n < 0 || n > 255 {
					return nil
				}
				out = append(out, byte(n))
			}
			return out
		}
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 && !bytes.HasPrefix(bytes.TrimSpace(list[0]), []byte("[[")) {
			return journalValue(list[0])
		}
	}
	return nil
}
