// Package knocks is the domain of the knocks tool: the events that sshd
// writes about people knocking on port 22, the connections they make up,
// the counting rules, the report summary, and the interfaces that the
// adapters (the SQLite store, the GeoIP locator) implement.
//
// It imports the standard library only; every arrow in the architecture
// points towards it.
package knocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Error codes used by Error. Callers test them with ErrorCode.
const (
	EINVALID  = "invalid"   // bad input: a flag, a value, a malformed file
	ENOTFOUND = "not_found" // a looked-up thing does not exist
	ECONFLICT = "conflict"  // another process holds what we need (e.g. a second importer)
	EINTERNAL = "internal"  // a bug or an unexpected failure of a dependency
)

// Error is an application error with a machine-readable code and a message
// that is safe to show to users.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("knocks error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil
// and EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or a generic message for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Kind says what one recognised log line means. The string values are
// stable: they appear in `knocks parse` output and in the database.
type Kind string

// The kinds of events. See Class for how each counts.
const (
	// Failure lines: something shows a user or an authentication failure.
	KindFailed         Kind = "failed"          // Failed <method> for [invalid user] U from IP port P
	KindInvalidUser    Kind = "invalid_user"    // Invalid user U from IP; input_userauth_request: invalid user U
	KindNotAllowed     Kind = "not_allowed"     // User U from IP not allowed because ...
	KindRootRefused    Kind = "root_refused"    // ROOT LOGIN REFUSED FROM IP
	KindPAMFailure     Kind = "pam_failure"     // pam_unix(sshd:auth): authentication failure; PAM: Authentication failure for U
	KindMaxAuth        Kind = "max_auth"        // maximum authentication attempts exceeded; Too many authentication failures
	KindAuthDisconnect Kind = "auth_disconnect" // a disconnect that names a user, Change of username, Auth fail

	// Scan lines: a connection that shows no authentication.
	KindNoIdent       Kind = "no_ident"        // Did not receive identification string
	KindKexFail       Kind = "kex_fail"        // kex_exchange_identification, banner exchange, bad protocol version
	KindNegotiateFail Kind = "negotiate_fail"  // Unable to negotiate, no matching <alg> found
	KindTimeout       Kind = "timeout"         // Timeout before authentication
	KindDispatchFatal Kind = "dispatch_fatal"  // ssh_dispatch_run_fatal, Read from socket failed
	KindRefused       Kind = "refused_connect" // refused connect from (tcp wrappers)
	KindDisconnect    Kind = "disconnect"      // a disconnect that names no user

	// Login lines.
	KindLogin Kind = "login" // Accepted <method> for U from IP port P

	// fail2ban.log lines: stored as their own kinds, never counted as attempts.
	KindF2BFound Kind = "f2b_found"
	KindF2BBan   Kind = "f2b_ban"
	KindF2BUnban Kind = "f2b_unban"
	// KindF2BRestore is a "Restore Ban" line: a ban still in force that
	// fail2ban applied again when it started. It is not a new ban: it
	// makes its address banned from its time on, and never counts as a
	// ban.
	KindF2BRestore Kind = "f2b_restore"

	// Penalty lines: what sshd's listener (OpenSSH 9.8+ PerSourcePenalties,
	// MaxStartups) and PAM blocked by themselves. They are stored on their
	// own and never add to attempts, connections or scans: a dropped
	// connection was never made, and these lines come from the listener,
	// not from a connection's own process.
	KindDrop    Kind = "drop"    // drop connection #N from [IP]:P on [IP]:P penalty: REASON; PerSourcePenalties logging rate-limited: additional N connections dropped
	KindPenalty Kind = "penalty" // srclimit_penalise: ... penalty of N seconds for penalty: REASON
	KindLockout Kind = "lockout" // pam_faillock(sshd:auth): Consecutive login failures for user U account temporarily locked

	// KindConnect is context, not an event: "Connection from IP port P" (and
	// similar lines) give a connection its address. It is never counted.
	KindConnect Kind = "connect"
)

// Class groups kinds by how they count.
type Class int

// The classes of kinds.
const (
	ClassNone     Class = iota // context lines (KindConnect) and unknown kinds
	ClassFailure               // failure lines: add to connections, attempts, unique IPs and users
	ClassScan                  // scan lines: make a scan when a connection has nothing else
	ClassLogin                 // login lines: count as logins
	ClassFail2ban              // fail2ban.log lines: stored on their own
	ClassPenalty               // drops, penalties and lockouts: stored on their own
)

// Class returns the counting class of k.
func (k Kind) Class() Class {
	switch k {
	case KindFailed, KindInvalidUser, KindNotAllowed, KindRootRefused, KindPAMFailure, KindMaxAuth, KindAuthDisconnect:
		return ClassFailure
	case KindNoIdent, KindKexFail, KindNegotiateFail, KindTimeout, KindDispatchFatal, KindRefused, KindDisconnect:
		return ClassScan
	case KindLogin:
		return ClassLogin
	case KindF2BFound, KindF2BBan, KindF2BUnban, KindF2BRestore:
		return ClassFail2ban
	case KindDrop, KindPenalty, KindLockout:
		return ClassPenalty
	}
	return ClassNone
}

// MaxUserLen bounds the stored length of a user name in bytes. sshd itself
// logs at most 100 bytes of a user name in most messages; longer names are
// cut at this bound when stored.
const MaxUserLen = 1024

// Event is one recognised log line.
type Event struct {
	Time    time.Time  // in UTC once resolved; see parse.Clock for RFC 3164 lines
	NoYear  bool       // the timestamp had no year (RFC 3164) and still needs one
	Host    string     // the host that wrote the line ("" when the header had none)
	Program string     // sshd, sshd-session, sshd-auth, fail2ban
	PID     int        // the sshd process id, 0 when the header had none
	Kind    Kind       //
	IP      netip.Addr // source address; IPv4-mapped IPv6 is unmapped; zero when the line had none
	RHost   string     // a host name where sshd logged one instead of an address (UseDNS)
	Port    int        // source port, 0 when absent
	User    string     // the user name exactly as sent (octal escapes decoded), bounded by MaxUserLen
	HasUser bool       // the line named a user (the name may be empty)
	Invalid bool       // sshd called the user invalid (or not allowed)
	Method  string     // auth method of Failed/Accepted lines (password, publickey, ...)
	Count   int        // how many times the line counts: N for "message repeated N times", else 1
	Jail    string     // fail2ban jail
	Reason  string     // why sshd dropped or penalised (KindDrop, KindPenalty); "" when not logged
	BanTime int64      // seconds of an SSHGuard block, 0 when the line gives none
	Line    int64      // 1-based line number in its input
}

// Source returns the address of the event as text: the IP, else the host
// name, else "".
func (e *Event) Source() string {
	if e.IP.IsValid() {
		return e.IP.String()
	}
	return e.RHost
}

// ConnectionGap is the longest quiet time between two events of one sshd
// process: events of the same host and pid further apart than this belong
// to different connections (pids are reused).
const ConnectionGap = 10 * time.Minute

// Connection is one sshd process: the events of the same host and pid, no
// more than ConnectionGap apart. It is the unit every count is made of.
type Connection struct {
	ID           int64 // 0 until stored
	Host         string
	PID          int
	Start, End   time.Time // first and last event, UTC
	IP           netip.Addr
	RHost        string
	Port         int
	User         string
	HasUser      bool
	Invalid      bool
	Method       string // the method of the last Failed line
	Failed       int64  // sum of the counts of its Failed lines
	FailureLines int64  // sum of the counts of its failure lines (Failed included)
	ScanLines    int64  // sum of the counts of its scan lines
	Logins       int64  // sum of the counts of its login lines
}

// The counting rules of a connection are the methods below: Attempts,
// IsFailure, IsScan and HostileLines. They are written here only. A store
// writes their values as derived columns with every connection it stores
// (see docs/schema.md), so that a report only adds up and groups stored
// columns and every store counts the same.

// Attempts returns the failed authentications the connection counts for:
// its Failed lines (× N), or exactly 1 when it has failure lines but no
// Failed line (the user name probe of a keys-only server), else 0.
func (c *Connection) Attempts() int64 {
	if c.Failed > 0 {
		return c.Failed
	}
	if c.FailureLines > 0 {
		return 1
	}
	return 0
}

// IsFailure reports whether the connection counts in `connections`.
func (c *Connection) IsFailure() bool { return c.FailureLines > 0 }

// IsScan reports whether the connection is a scan: scan lines and no
// failure or login line.
func (c *Connection) IsScan() bool { return c.ScanLines > 0 && c.FailureLines == 0 && c.Logins == 0 }

// HostileLines returns the lines of the connection that show an attacker:
// its failure and scan lines (× N), what a report's hostile share is made
// of.
func (c *Connection) HostileLines() int64 { return c.FailureLines + c.ScanLines }

// HasEvent reports whether the connection holds an event at all (a row of
// a "Connection from" line alone holds none): only such connections set
// the first and last time of a report.
func (c *Connection) HasEvent() bool { return c.FailureLines+c.ScanLines+c.Logins > 0 }

// Fail2banEvent is one Found, Ban, Restore Ban or Unban line of
// fail2ban.log, one ban of fail2ban's database, or one SSHGuard block (a
// ban in jail JailSSHGuard).
type Fail2banEvent struct {
	Time     time.Time
	Kind     Kind // KindF2BFound, KindF2BBan, KindF2BRestore or KindF2BUnban
	Host     string
	Jail     string
	IP       netip.Addr
	BanTime  int64 // seconds the ban lasts, -1 for ever, 0 when unknown
	BanCount int64 // fail2ban's count of bans of this address, 0 when unknown
}

// MaxReasonLen bounds the stored length of a penalty reason in bytes.
const MaxReasonLen = 256

// PenaltyEvent is one line of what sshd (or PAM) blocked by itself: a
// dropped connection, a penalty imposed on an address, or an account
// lockout. It is never part of a connection.
type PenaltyEvent struct {
	Time   time.Time
	Host   string
	Kind   Kind       // KindDrop, KindPenalty or KindLockout
	IP     netip.Addr // the address dropped or penalised; zero for a rate-limited summary and a lockout
	Reason string     // the penalty reason; "" when sshd logged none
	User   string     // the locked user of a lockout
	Count  int64      // drops: N of a rate-limited summary; N of "message repeated N times"; else 1
}

// Checkpoint records how far one input has been imported. An input is known
// by its Fingerprint, a hash of its first line after decompression, never by
// its name or inode, verified by Sum, a checksum of its content up to
// Offset: inputs that share a first line (a blank line, a header) are told
// apart by their Sums, and each has a checkpoint of its own.
type Checkpoint struct {
	Fingerprint string    // hex SHA-256 of the first line (at most FingerprintLen bytes); "journal:" and that for journalctl output
	Name        string    // the name the input was last imported under
	Offset      int64     // bytes of decompressed content consumed, through the last line read
	Lines       int64     // lines consumed
	Sum         string    // checksum of the content up to Offset; "" for one stored before sums were kept
	LastTime    time.Time // time of the last event read, to continue year inference
	Updated     time.Time

	// Prev, PrevSum, New and Siblings make a Write of the checkpoint a
	// compare-and-swap, so that two writers never store the same lines:
	// the store refuses the batch with ECONFLICT unless it still holds the
	// checkpoint the writer read on from (Fingerprint, Prev and PrevSum)
	// or, for an input read from its start (New), exactly Siblings
	// checkpoints with this Fingerprint.
	Prev     int64
	PrevSum  string
	New      bool
	Siblings int
}

// FingerprintLen is the most bytes of an input's first line that its
// fingerprint covers.
const FingerprintLen = 4096

// Shape is a group of unrecognised sshd lines of the same form, with the
// addresses, ports, numbers and user names masked.
type Shape struct {
	Shape   string
	Count   int64
	Example string
}

// InputStats is what one import did with one input.
type InputStats struct {
	Name         string
	Fingerprint  string
	Lines        int64 // lines read (new lines only)
	SSHDLines    int64 // of those, lines written by sshd
	Recognised   int64 // sshd lines recognised as events or context
	Unrecognised int64 // sshd lines not recognised
	Skipped      int64 // lines skipped as bad input (too long, NUL bytes, a time out of range, ...)
	Events       int64 // events counted (fail2ban lines included)
	Known        int64 // journal entries at or before the stored cursor of their journal: imported before, not read again (not counted in Lines)
	Error        string
	Shapes       []Shape // unrecognised lines grouped by shape
}

// Import describes one run of `knocks ingest`.
type Import struct {
	ID       int64
	Started  time.Time
	Finished time.Time
	Inputs   []InputStats
}

// Batch is what the ingest pipeline writes in one transaction: the
// connections it created or changed, fail2ban events, penalty events, the
// lines read per host and hour, the checkpoint of the input it read them
// from, and the new cursors of the journals whose entries they came from.
// The store writes all of it or nothing.
type Batch struct {
	ImportID    int64
	Connections []*Connection // ID 0: insert (the store sets ID); else update
	Fail2ban    []Fail2banEvent
	Penalties   []PenaltyEvent
	Lines       []LineCount    // lines read up to the checkpoint, added to the stored counts
	Checkpoint  *Checkpoint    // may be nil
	Cursors     []CursorUpdate // at most one per seqnum ID; may be empty
}

// LineCount is a number of lines read of one host in one UTC hour: what a
// report narrowed by time or host divides its hostile lines by. A line
// counts in the hour and host of its own header when it is an sshd line,
// else in those of the sshd line before it (of the first one after it, at
// the start of an input). A zero Hour counts lines that have no hour: those
// of an input without a dated sshd line.
type LineCount struct {
	Host  string    // "" for lines without a host (fail2ban.log, some journals)
	Hour  time.Time // the start of the UTC hour; zero: lines without an hour
	Lines int64
}

// Filter narrows a report. Zero fields do not filter.
type Filter struct {
	Since, Until time.Time
	Host         string
	Country      string // ISO 3166 alpha-2
	ASN          uint32
	IP           netip.Addr // one source address (drill-down)
	User         string     // one user name, exactly as stored (drill-down)
	Subnet       string     // one /24 (IPv4) or /64 (IPv6) subnet, as in Summary.TopSubnets (drill-down)
	Top          int        // rows in each top list; 0 means 10; a store lists at most MaxTop
}

// ByAddress reports whether f selects by something that the counts of
// lines read are not kept by (country, AS, address, subnet or user name):
// then the lines of the selection, and its hostile share, are unknown.
func (f Filter) ByAddress() bool {
	return f.Country != "" || f.ASN != 0 || f.IP.IsValid() || f.Subnet != "" || f.User != ""
}

// SummaryKey names the summary of f, as a store keeps it: two filters with
// the same key give the same summary.
func SummaryKey(f Filter) string {
	if f.Top <= 0 {
		f.Top = 10
	}
	b, _ := json.Marshal(f)
	return "summary " + string(b)
}

// MaxTop is the most rows that a store puts in one top list, whatever
// Filter.Top asks: memory grows with what a report prints, and a list
// longer than this is no top list.
const MaxTop = 10_000

// EventStore stores connections and checkpoints and answers reports.
type EventStore interface {
	// BeginImport records the start of an import and returns its id.
	BeginImport(ctx context.Context, started time.Time) (int64, error)

	// FinishImport records the per-input statistics of an import.
	FinishImport(ctx context.Context, id int64, finished time.Time, inputs []InputStats) error

	// Checkpoints returns the checkpoints of the inputs with this
	// fingerprint, none when no such input was imported.
	Checkpoints(ctx context.Context, fingerprint string) ([]*Checkpoint, error)

	// RecentConnections returns the stored connections whose end is at or
	// after since and whose start is at or before until, so that an import
	// can extend a connection that an earlier import cut.
	RecentConnections(ctx context.Context, since, until time.Time) ([]*Connection, error)

	// Write stores a batch in one transaction, its checkpoint as a
	// compare-and-swap (see Checkpoint), and sets the IDs of new
	// connections.
	// Returns EINVALID for a connection with an unknown ID, and ECONFLICT
	// when another writer moved the checkpoint meanwhile, or when a cursor
	// update's Prev is not the stored seqnum (another import stored entries
	// of that journal meanwhile).
	Write(ctx context.Context, b *Batch) error

	// JournalCursors returns the stored cursor of every journal (seqnum
	// ID) that entries were imported from, in no particular order.
	JournalCursors(ctx context.Context) ([]StoredCursor, error)

	// Summary computes the report for a filter.
	Summary(ctx context.Context, f Filter) (*Summary, error)

	// Close releases the store.
	Close() error
}
