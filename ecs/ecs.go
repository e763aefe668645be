// Package ecs writes knocks events as Elastic Common Schema (ECS 8.17)
// documents: the field names that Elastic, Vector, Fluent Bit and Loki
// pipelines expect (`@timestamp`, `source.ip`, `user.name`,
// `event.outcome`, ...), as nested JSON objects. What ECS has no field for
// (the knocks kind and class, the count of a "message repeated N times"
// line, the auth method, whether sshd called the user invalid) is kept
// under the custom `knocks` object. README.md ("knocks parse") has the
// table of the mapping.
package ecs

import (
	"time"

	"knocks"
)

// Version is the ECS version whose field names and categorization values
// the documents follow.
const Version = "8.17.0"

// Document is one ECS document: one recognised log line, or one sshd line
// that was not recognised. Empty objects are left out.
type Document struct {
	Timestamp string   `json:"@timestamp,omitempty"` // RFC 3339, UTC
	Message   string   `json:"message,omitempty"`    // the text of an unrecognised line
	ECS       Meta     `json:"ecs"`
	Event     Event    `json:"event"`
	Source    *Source  `json:"source,omitempty"`
	User      *User    `json:"user,omitempty"`
	Host      *Host    `json:"host,omitempty"`
	Process   *Process `json:"process,omitempty"`
	Log       Log      `json:"log"`
	Related   *Related `json:"related,omitempty"`
	Knocks    Knocks   `json:"knocks"`
}

// Meta is the ecs object.
type Meta struct {
	Version string `json:"version"`
}

// Event is the event object: the ECS categorization of a line.
type Event struct {
	Kind     string   `json:"kind"`               // always "event"
	Category []string `json:"category,omitempty"` // authentication, network, intrusion_detection
	Type     []string `json:"type,omitempty"`     // info, start, connection, denied, allowed
	Outcome  string   `json:"outcome,omitempty"`  // failure or success; left out where none applies
	Action   string   `json:"action,omitempty"`   // the knocks kind: failed, invalid_user, login, f2b_ban, drop, ...
	Provider string   `json:"provider,omitempty"` // the program that wrote the line: sshd, sshd-session, fail2ban
	Reason   string   `json:"reason,omitempty"`   // why sshd dropped or penalised
}

// Source is the source object: the address that knocked.
type Source struct {
	Address string `json:"address"`          // the address, or the host name sshd logged (UseDNS)
	IP      string `json:"ip,omitempty"`     //
	Domain  string `json:"domain,omitempty"` // the host name sshd logged instead of an address
	Port    int    `json:"port,omitempty"`   //
}

// User is the user object: the user name exactly as sent (the JSON
// encoding replaces bytes that are not UTF-8 with U+FFFD).
type User struct {
	Name string `json:"name"`
}

// Host is the host object: the host that wrote the line.
type Host struct {
	Name     string `json:"name"`
	Hostname string `json:"hostname"`
}

// Process is the process object: the sshd process of the connection.
type Process struct {
	Name string `json:"name,omitempty"`
	PID  int    `json:"pid,omitempty"`
}

// Log is the log object: the input the line was read from.
type Log struct {
	File File `json:"file"`
}

// File is the log.file object.
type File struct {
	Path string `json:"path"` // the name given on the command line; "-" for stdin
}

// Related is the related object: the addresses and users of the event, for
// pivoting.
type Related struct {
	IP   []string `json:"ip,omitempty"`
	User []string `json:"user,omitempty"`
}

// Knocks holds what ECS has no field for.
type Knocks struct {
	Kind        string `json:"kind,omitempty"`         // the knocks kind (see README, "Counting")
	Class       string `json:"class,omitempty"`        // failure, scan, login, fail2ban, penalty
	Count       int    `json:"count,omitempty"`        // N of "message repeated N times", else 1
	Line        int64  `json:"line"`                   // 1-based line number in its input
	Method      string `json:"method,omitempty"`       // auth method of Failed and Accepted lines
	InvalidUser bool   `json:"invalid_user,omitempty"` // sshd called the user invalid or not allowed
	Jail        string `json:"jail,omitempty"`         // the fail2ban jail
	Unmatched   bool   `json:"unmatched,omitempty"`    // an sshd line that was not recognised
	Shape       string `json:"shape,omitempty"`        // its shape (addresses, numbers and names masked)
}

// ClassName returns the name of a counting class as `knocks parse` prints
// it: failure, scan, login, fail2ban or penalty; "" for ClassNone.
func ClassName(c knocks.Class) string {
	switch c {
	case knocks.ClassFailure:
		return "failure"
	case knocks.ClassScan:
		return "scan"
	case knocks.ClassLogin:
		return "login"
	case knocks.ClassFail2ban:
		return "fail2ban"
	case knocks.ClassPenalty:
		return "penalty"
	}
	return ""
}

// categorize returns the ECS category, type and outcome of a kind.
func categorize(k knocks.Kind) (category, typ []string, outcome string) {
	switch k.Class() {
	case knocks.ClassFailure:
		return []string{"authentication"}, []string{"info"}, "failure"
	case knocks.ClassLogin:
		return []string{"authentication"}, []string{"info"}, "success"
	case knocks.ClassScan:
		// A connection that ended before it authenticated.
		return []string{"network"}, []string{"connection", "end"}, "failure"
	case knocks.ClassFail2ban:
		switch k {
		case knocks.KindF2BBan, knocks.KindF2BRestore:
			return []string{"intrusion_detection"}, []string{"denied"}, ""
		case knocks.KindF2BUnban:
			return []string{"intrusion_detection"}, []string{"allowed"}, ""
		}
		return []string{"intrusion_detection"}, []string{"info"}, ""
	case knocks.ClassPenalty:
		switch k {
		case knocks.KindDrop:
			return []string{"network"}, []string{"connection", "denied"}, "failure"
		case knocks.KindLockout:
			return []string{"authentication"}, []string{"info"}, "failure"
		}
		return []string{"intrusion_detection"}, []string{"denied"}, ""
	}
	return nil, nil, ""
}

// FromEvent returns the document of a recognised event read from file.
func FromEvent(file string, ev *knocks.Event) Document {
	d := Document{ECS: Meta{Version}, Log: Log{File{file}}}
	if !ev.Time.IsZero() {
		d.Timestamp = ev.Time.UTC().Format(time.RFC3339)
	}
	cat, typ, outcome := categorize(ev.Kind)
	d.Event = Event{Kind: "event", Category: cat, Type: typ, Outcome: outcome, Action: string(ev.Kind), Provider: ev.Program, Reason: ev.Reason}
	if src := ev.Source(); src != "" {
		d.Source = &Source{Address: src, Port: ev.Port}
		if ev.IP.IsValid() {
			d.Source.IP = src
		} else {
			d.Source.Domain = src
		}
	}
	if ev.HasUser {
		d.User = &User{Name: ev.User}
	}
	if ev.Host != "" {
		d.Host = &Host{Name: ev.Host, Hostname: ev.Host}
	}
	if ev.PID != 0 || ev.Program != "" {
		d.Process = &Process{Name: ev.Program, PID: ev.PID}
	}
	if ev.IP.IsValid() || ev.HasUser && ev.User != "" {
		d.Related = &Related{}
		if ev.IP.IsValid() {
			d.Related.IP = []string{ev.IP.String()}
		}
		if ev.HasUser && ev.User != "" {
			d.Related.User = []string{ev.User}
		}
	}
	d.Knocks = Knocks{Kind: string(ev.Kind), Class: ClassName(ev.Kind.Class()), Count: ev.Count, Line: ev.Line,
		Method: ev.Method, InvalidUser: ev.Invalid, Jail: ev.Jail}
	return d
}

// Unmatched returns the document of an sshd line that was not recognised:
// its text as the message, with its shape.
func Unmatched(file string, line int64, shape, text string) Document {
	return Document{Message: text, ECS: Meta{Version}, Event: Event{Kind: "event"}, Log: Log{File{file}},
		Knocks: Knocks{Line: line, Unmatched: true, Shape: shape}}
}
