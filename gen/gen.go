// Package gen writes realistic synthetic sshd logs for tests and benchmarks,
// and computes, as it writes, the numbers that knocks must find in them.
//
// The logs look like a server on the internet: a few attackers make most of
// the attempts (Zipf over a pool of IPv4 and IPv6 addresses from public
// ranges, plus some private ones), user names follow a dictionary most
// common first, every connection is one sshd process with the multi-line
// sequences that OpenSSH 8 and 9 write (invalid users with PAM lines,
// root brute force with "message repeated", MaxAuthTries, keys-only
// probes, scans of every kind, logins with their sessions; on OpenSSH 9.8+
// hosts the listener's penalties and drops, RefuseConnection and
// pam_faillock lockouts), connections interleave, and about a tenth of the
// lines come from other programs (CRON, sudo, systemd-logind). Output is RFC 3164 or RFC 3339 syslog or
// `journalctl -o json`, and the same seed always gives the same bytes.
package gen

import (
	"bufio"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"knocks"
)

// Style is the format of the generated lines.
type Style int

// The styles.
const (
	// RFC3164 is classic syslog: "Feb  5 00:07:21 host sshd[22071]: ...",
	// no year, in Options.Location.
	RFC3164 Style = iota
	// RFC3339 is the rsyslog default of current Debian:
	// "2024-02-05T00:07:21.123456+00:00 host sshd[22071]: ...".
	RFC3339
	// Journal is `journalctl -o json`: one JSON object per line.
	Journal
	// Mixed gives each host a syslog style in turn (RFC 3164, RFC 3339,
	// ...); with one host the log switches from RFC 3164 to RFC 3339
	// halfway, as after an upgrade.
	Mixed
)

var styleNames = []string{"rfc3164", "rfc3339", "journal", "mixed"}

// String returns the name of the style, as ParseStyle accepts it.
func (s Style) String() string {
	if s >= 0 && int(s) < len(styleNames) {
		return styleNames[s]
	}
	return "Style(" + strconv.Itoa(int(s)) + ")"
}

// ParseStyle returns the style with the given name: rfc3164 (or syslog),
// rfc3339 (or iso), journal (or json), mixed.
func ParseStyle(name string) (Style, error) {
	switch strings.ToLower(name) {
	case "rfc3164", "syslog", "3164":
		return RFC3164, nil
	case "rfc3339", "iso", "3339":
		return RFC3339, nil
	case "journal", "json":
		return Journal, nil
	case "mixed":
		return Mixed, nil
	}
	return 0, fmt.Errorf("unknown style %q (want rfc3164, rfc3339, journal or mixed)", name)
}

// Options say what to generate. Zero fields take the documented defaults.
type Options struct {
	Lines    int            // lines to write (default 1000)
	Seed     int64          // the same seed gives the same output
	Start    time.Time      // time of the first connection (default 2025-01-06 00:00 UTC)
	Span     time.Duration  // about how long the log covers (default 2 s per line)
	Location *time.Location // zone the syslog timestamps are written in (default UTC)
	Hosts    []string       // host names (default "srv1"); connections are spread over them
	Style    Style
	// Program is the name sshd logs connections under: "sshd" (default),
	// "sshd-session" (OpenSSH 9.8+, whose listener still logs as "sshd"),
	// or "mixed" (each host picks one).
	Program string
	// IPv6Share is the share of attacker addresses that are IPv6 (0 means
	// the default 0.05; negative means none).
	IPv6Share float64
	// NoiseShare is the share of lines written by other programs than
	// sshd (0 means the default 0.10; negative means none).
	NoiseShare float64
	// VerboseShare is the share of connections logged with LogLevel
	// VERBOSE, which adds "Connection from IP port P on ..." lines.
	VerboseShare float64
	// MappedShare is the share of connections from IPv4 addresses that sshd
	// logs as IPv4-mapped IPv6 (::ffff:192.0.2.1).
	MappedShare float64
	// Tricky is the share of failed connections with a hostile user name
	// (spaces, octal escapes, a fake "from IP port N" inside the name).
	Tricky float64
	// Attackers is the size of the pool of attacker addresses (default
	// Lines/100, at least 50; at most 1,000,000).
	Attackers int
}

// UserCount is what Stats knows of one user name.
type UserCount struct {
	Attempts int64 // attempts of the connections with this user
	Valid    bool  // sshd did not call the user invalid (or not allowed)
}

// Stats is the ground truth of a generated log, counted by the rules of the
// knocks README as the lines are written:
//
//   - a connection is one sshd process; the generator never reuses a pid
//     on a host within ConnectionGap of its last line, and keeps the lines
//     of one connection less than ConnectionGap apart;
//   - Attempts: each Failed line counts 1 (× N for "message repeated N
//     times"); a connection with failure lines but no Failed line counts 1;
//   - Connections: connections with at least one failure line;
//   - Scans: connections with scan lines and no failure or login line;
//   - Logins: Accepted lines;
//   - UniqueIPs, UniqueUsers, IPs and Users: over connections with failure
//     lines only (every such connection names its address and user on a
//     failure line); addresses are unmapped (::ffff:192.0.2.1 is 192.0.2.1);
//   - Days: attempts by the UTC day of the first line of their connection.
//   - Dropped, Penalties and Lockouts: what sshd's listener (OpenSSH 9.8+
//     PerSourcePenalties, on hosts whose Program is sshd-session) and
//     pam_faillock blocked by themselves; they never count above.
//
// A connection that the end of the log cuts short counts by the lines that
// were written. Lines that are not events (pam_unix "check pass", "PAM 2
// more authentication failures", session lines, "Disconnected from user U"
// after a login, listener lines) count in no class.
type Stats struct {
	Lines       int64 // lines written
	SSHDLines   int64 // lines written by sshd (programs sshd and sshd-session)
	Attempts    int64
	Connections int64
	Scans       int64
	Logins      int64
	UniqueIPs   int
	UniqueUsers int
	First, Last time.Time               // the first and last line, UTC, at the precision written
	IPs         map[string]int64        // attempts by source address
	Users       map[string]UserCount    // attempts by user name
	Days        map[string]int64        // attempts by UTC day, "2006-01-02"
	Dropped     int64                   // drops, the N of rate-limited summaries included
	Penalties   map[string]PenaltyCount // drops and penalties by reason (rate-limited drops have none)
	Lockouts    int64                   // pam_faillock lockouts
}

// PenaltyCount is what Stats knows of one penalty reason.
type PenaltyCount struct {
	Drops     int64 // connections dropped for it
	Penalties int64 // penalties imposed for it
	Addresses int   // distinct addresses dropped or penalised for it
}

// forever is a time after every line: the end of a process that never ends.
const forever = math.MaxInt64 / 2

// ConnectionGap is the quiet time after which knocks takes the same host
// and pid for a new connection.
const ConnectionGap = knocks.ConnectionGap

// Write writes a generated log to w and returns its ground truth.
func Write(w io.Writer, o Options) (Stats, error) {
	g, err := newGen(w, o)
	if err != nil {
		return Stats{}, err
	}
	g.run()
	if err := g.w.Flush(); err != nil {
		return Stats{}, fmt.Errorf("cannot write log: %w", err)
	}
	return g.stats(), nil
}

// class is how a line counts.
type class uint8

const (
	cNone    class = iota
	cFailure       // a failure line
	cFailed        // a Failed line: a failure line that counts attempts
	cScan          // a scan line
	cLogin         // a login line
)

// step is one line a process will write.
type step struct {
	at     int64 // Unix nanoseconds
	text   string
	class  class
	repeat int // > 0: "message repeated <repeat> times: [ text]" (syslog) or repeat lines (journal)
	pen    *blocked
}

// blocked is what a drop, penalty or lockout line counts for.
type blocked struct {
	kind   knocks.Kind // KindDrop, KindPenalty or KindLockout
	reason string      // "" for a rate-limited summary and a lockout
	ip     string      // "" for a rate-limited summary and a lockout
	n      int64
}

// proc is one process that writes lines: an sshd connection, the sshd
// listener, or another program.
type proc struct {
	seq   uint64
	host  *host
	prog  string
	pid   int
	noPID bool // the syslog header has no pid (sudo)
	sshd  bool
	conn  bool // an sshd connection: counts in Stats
	steps []step
	next  int

	ip                                     netip.Addr
	user                                   string
	valid                                  bool
	started                                bool
	start                                  int64
	failed, failureLines, scanLines, login int64
}

// host is one machine that writes a log.
type host struct {
	name      string
	style     Style
	switchAt  int // Mixed with one host: RFC 3339 from this line on
	prog      string
	listener  int // pid of the sshd listener
	drops     int // drops the listener logged, for "drop connection #N"
	logind    int
	local     string
	pid       int
	busy      map[int]int64 // pid → time of its last line
	allocs    int
	session   int
	bootID    string
	machineID string
	monoBase  int64
}

type procHeap []*proc

func (h procHeap) Len() int { return len(h) }
func (h procHeap) Less(i, j int) bool {
	a, b := h[i].steps[h[i].next].at, h[j].steps[h[j].next].at
	if a != b {
		return a < b
	}
	return h[i].seq < h[j].seq
}
func (h procHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *procHeap) Push(x any)   { *h = append(*h, x.(*proc)) }
func (h *procHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}

type gen struct {
	o     Options
	r     *rand.Rand
	w     *bufio.Writer
	buf   []byte
	hosts []*host
	heap  procHeap
	seq   uint64

	pool       []netip.Addr
	poolZipf   *rand.Zipf
	dict       []string
	dictZipf   *rand.Zipf
	homeIPs    []netip.Addr
	keys       map[string]string
	noiseShare float64

	next          int64 // time of the next arrival
	span          int64
	arrivals      int64
	scheduled     int64 // lines scheduled
	noiseSched    int64 // of those, lines of other programs
	lines         int64
	sshdLines     int64
	first, last   time.Time
	cursor        uint64
	attempts      int64
	connections   int64
	scans         int64
	logins        int64
	ips           map[string]int64
	users         map[string]UserCount
	days          map[string]int64
	dropped       int64
	lockouts      int64
	penalties     map[string]*PenaltyCount
	penAddrs      map[string]map[string]bool
	lastStampSec  int64
	lastStamp3164 []byte
}

func newGen(w io.Writer, o Options) (*gen, error) {
	if o.Lines < 0 {
		return nil, errors.New("gen: negative line count")
	}
	if o.Lines == 0 {
		o.Lines = 1000
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	}
	if o.Span <= 0 {
		o.Span = time.Duration(o.Lines) * 2 * time.Second
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if len(o.Hosts) == 0 {
		o.Hosts = []string{"srv1"}
	}
	if o.Style < RFC3164 || o.Style > Mixed {
		return nil, fmt.Errorf("gen: unknown style %d", o.Style)
	}
	switch o.Program {
	case "":
		o.Program = "sshd"
	case "sshd", "sshd-session", "mixed":
	default:
		return nil, fmt.Errorf("gen: unknown program %q (want sshd, sshd-session or mixed)", o.Program)
	}
	if o.IPv6Share == 0 {
		o.IPv6Share = 0.05
	}
	if o.NoiseShare == 0 {
		o.NoiseShare = 0.10
	}
	if o.NoiseShare > 0.9 {
		o.NoiseShare = 0.9
	}
	if o.Attackers <= 0 {
		o.Attackers = max(50, o.Lines/100)
	}
	o.Attackers = min(o.Attackers, 1_000_000)
	seed := uint64(o.Seed)
	g := &gen{
		o:          o,
		r:          rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		w:          bufio.NewWriterSize(w, 256<<10),
		keys:       map[string]string{},
		ips:        map[string]int64{},
		users:      map[string]UserCount{},
		days:       map[string]int64{},
		penalties:  map[string]*PenaltyCount{},
		penAddrs:   map[string]map[string]bool{},
		next:       o.Start.UnixNano(),
		span:       int64(o.Span),
		noiseShare: max(o.NoiseShare, 0),
	}
	for i, name := range o.Hosts {
		h := &host{
			name:      name,
			style:     o.Style,
			switchAt:  -1,
			prog:      o.Program,
			listener:  500 + g.r.IntN(2000),
			logind:    300 + g.r.IntN(500),
			local:     fmt.Sprintf("10.0.%d.%d", i/250, 5+i%250),
			pid:       5000 + g.r.IntN(200000),
			busy:      map[int]int64{},
			session:   1 + g.r.IntN(50),
			bootID:    g.hex(32),
			machineID: g.hex(32),
			monoBase:  int64(g.r.IntN(1e12)),
		}
		if o.Style == Mixed {
			h.style = []Style{RFC3164, RFC3339}[i%2]
			if len(o.Hosts) == 1 {
				h.switchAt = o.Lines / 2
			}
		}
		if o.Program == "mixed" {
			h.prog = []string{"sshd", "sshd-session"}[g.r.IntN(2)]
		}
		h.busy[h.listener] = forever
		h.busy[h.logind] = forever
		g.hosts = append(g.hosts, h)
	}
	g.makePool()
	g.dict = dictionary()
	g.dictZipf = rand.NewZipf(g.r, 1.15, 2, uint64(len(g.dict)-1))
	g.homeIPs = []netip.Addr{
		netip.MustParseAddr("192.168.1.23"),
		netip.MustParseAddr("10.8.0.6"),
		netip.MustParseAddr("81.2.69.160"),
		netip.MustParseAddr("2a02:8109:aa00:1200::17"),
	}
	return g, nil
}

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

// makePool makes the attacker addresses; their order is their Zipf rank.
func (g *gen) makePool() {
	v4, w4 := mustPrefixes(attackerV4)
	v6, w6 := mustPrefixes(attackerV6)
	pv, pw := mustPrefixes(privateV4)
	seen := map[netip.Addr]bool{}
	for len(g.pool) < g.o.Attackers {
		var a netip.Addr
		x := g.r.Float64()
		switch {
		case x < g.o.IPv6Share:
			a = g.addrIn(v6[g.pick(w6)])
		case x < g.o.IPv6Share+0.02:
			a = g.addrIn(pv[g.pick(pw)])
		default:
			a = g.addrIn(v4[g.pick(w4)])
		}
		if !seen[a] {
			seen[a] = true
			g.pool = append(g.pool, a)
		}
	}
	g.poolZipf = rand.NewZipf(g.r, 1.1, 1, uint64(len(g.pool)-1))
}

// pick returns an index chosen by weight.
func (g *gen) pick(w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := g.r.IntN(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

// addrIn returns a random host address in p.
func (g *gen) addrIn(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for {
		for i := range b {
			lo := i * 8
			if lo+8 <= bits {
				continue
			}
			rnd := byte(g.r.UintN(256))
			if lo < bits { // keep the prefix bits of this byte
				keep := byte(0xff << (8 - (bits - lo)))
				rnd = b[i]&keep | rnd&^keep
			}
			b[i] = rnd
		}
		if len(b) == 16 && g.r.IntN(2) == 0 {
			// Many servers have a short interface id: prefix::1a
			for i := 8; i < 15; i++ {
				b[i] = 0
			}
		}
		a, _ := netip.AddrFromSlice(b)
		if a.Is4() && (b[3] == 0 || b[3] == 255) {
			continue
		}
		return a
	}
}

func (g *gen) dur(lo, hi time.Duration) int64 {
	if hi <= lo {
		return int64(lo)
	}
	return int64(lo) + g.r.Int64N(int64(hi-lo))
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// run writes lines until o.Lines are written.
func (g *gen) run() {
	target := int64(g.o.Lines)
	for g.lines < target {
		if len(g.heap) > 0 {
			p := g.heap[0]
			if p.steps[p.next].at <= g.next {
				g.emit(p, &p.steps[p.next], target)
				p.next++
				if p.next == len(p.steps) {
					heap.Pop(&g.heap)
					g.finish(p)
				} else {
					heap.Fix(&g.heap, 0)
				}
				continue
			}
		}
		g.arrive(g.next)
		g.arrivals++
		perArrival := (float64(g.scheduled) + 8*10) / (float64(g.arrivals) + 10)
		mean := float64(g.span) * perArrival / float64(target)
		g.next += int64(g.r.ExpFloat64()*mean) + 1
	}
	for _, p := range g.heap {
		if p.next > 0 {
			g.finish(p)
		}
	}
}

// schedule adds a process whose steps hold times relative to start.
func (g *gen) schedule(p *proc, start int64) {
	if len(p.steps) == 0 {
		return
	}
	for i := range p.steps {
		p.steps[i].at += start
		n := int64(1)
		if p.steps[i].repeat > 0 {
			n = int64(p.steps[i].repeat)
			if p.host.style != Journal {
				n = 1
			}
		}
		g.scheduled += n
		if !p.sshd {
			g.noiseSched += n
		}
	}
	g.seq++
	p.seq = g.seq
	heap.Push(&g.heap, p)
}

// newPID returns a free pid on h for a process that writes from start to
// end: one that no process on h used within ConnectionGap.
func (h *host) newPID(g *gen, start, end int64) int {
	h.allocs++
	if h.allocs%(1<<16) == 0 {
		// Forget pids whose quiet time ended before now: every later
		// process starts at or after the current arrival.
		for pid, last := range h.busy {
			if last+int64(ConnectionGap)+int64(time.Minute) <= g.next {
				delete(h.busy, pid)
			}
		}
	}
	for {
		h.pid += 1 + g.r.IntN(6)
		if h.pid >= 4194304 {
			h.pid = 300 + g.r.IntN(1000)
		}
		if last, ok := h.busy[h.pid]; ok && start < last+int64(ConnectionGap)+int64(time.Minute) {
			continue
		}
		h.busy[h.pid] = end
		return h.pid
	}
}

// script builds the steps of a process.
type script struct {
	g     *gen
	t     int64
	steps []step
}

func (s *script) add(delay int64, c class, text string) {
	s.t += delay
	s.steps = append(s.steps, step{at: s.t, text: text, class: c})
}

// block adds a line that counts as a drop, penalty or lockout.
func (s *script) block(delay int64, text string, b blocked) {
	s.add(delay, cNone, text)
	s.steps[len(s.steps)-1].pen = &b
}

func (s *script) repeat(delay int64, c class, text string, n int) {
	s.t += delay
	s.steps = append(s.steps, step{at: s.t, text: text, class: c, repeat: n})
}

// arrive starts what happens at time t: a campaign of an attacker, a login,
// a line of another program, or a restart of sshd.
func (g *gen) arrive(t int64) {
	if float64(g.noiseSched) < g.noiseShare*float64(g.scheduled+1) {
		g.noise(t)
		return
	}
	h := g.hosts[g.r.IntN(len(g.hosts))]
	x := g.r.Float64()
	switch {
	case x < 0.0003:
		g.restart(h, t)
	case x < 0.03:
		g.login(h, t)
	default:
		g.campaign(h, t)
	}
}

// campaign is one attacker's burst of connections.
func (g *gen) campaign(h *host, t int64) {
	ip := g.pool[g.poolZipf.Uint64()]
	kind := g.r.Float64()
	var n int
	switch {
	case kind < 0.30: // dictionary attack on passwords
		n = 1 + int(g.r.ExpFloat64()*4)
	case kind < 0.50: // root brute force
		n = 1 + int(g.r.ExpFloat64()*5)
	case kind < 0.62: // user name probes of a keys-only server
		n = 1 + int(g.r.ExpFloat64()*3)
	case kind < 0.64: // system accounts that may not log in
		n = 1 + g.r.IntN(2)
	default: // scans
		n = 1 + int(g.r.ExpFloat64()*1.5)
	}
	n = min(n, 60)
	scanKind := g.r.IntN(100)
	fixedUser := ""
	if g.chance(0.3) {
		fixedUser = g.dict[g.dictZipf.Uint64()]
	}
	start := t
	for i := 0; i < n; i++ {
		switch {
		case kind < 0.30:
			u := fixedUser
			if u == "" {
				u = g.dict[g.dictZipf.Uint64()]
			}
			g.password(h, start, ip, g.tricky(u))
		case kind < 0.50:
			u := "root"
			if g.chance(0.05) {
				u = []string{"ubuntu", "admin", "deploy"}[g.r.IntN(3)]
			}
			g.password(h, start, ip, u)
		case kind < 0.62:
			u := g.dict[g.dictZipf.Uint64()]
			if g.chance(0.25) {
				u = "root"
			}
			g.probe(h, start, ip, g.tricky(u))
		case kind < 0.64:
			g.notAllowed(h, start, ip, systemUsers[g.r.IntN(len(systemUsers))])
		default:
			g.scan(h, start, ip, scanKind)
		}
		if g.chance(0.3) {
			start += g.dur(0, 500*time.Millisecond) // parallel connections
		} else {
			start += g.dur(300*time.Millisecond, 15*time.Second)
		}
	}
}

func (g *gen) tricky(u string) string {
	if g.o.Tricky > 0 && g.chance(g.o.Tricky) {
		return trickyUsers[g.r.IntN(len(trickyUsers))]
	}
	return u
}

// conn makes an sshd connection process of host h.
func (g *gen) conn(h *host, ip netip.Addr, user string) *proc {
	_, valid := validUsers[user]
	return &proc{host: h, prog: h.prog, sshd: true, conn: true, ip: ip, user: user, valid: valid}
}

// addrText is the address as sshd of this connection writes it.
func (g *gen) addrText(ip netip.Addr) string {
	if ip.Is4() && g.o.MappedShare > 0 && g.chance(g.o.MappedShare) {
		return "::ffff:" + ip.String()
	}
	return ip.String()
}

func (g *gen) port() string { return strconv.Itoa(1024 + g.r.IntN(64512)) }

// begin starts a script with the optional VERBOSE "Connection from" line.
func (g *gen) begin(h *host, ipt, port string) *script {
	s := &script{g: g}
	if g.o.VerboseShare > 0 && g.chance(g.o.VerboseShare) {
		s.add(0, cNone, "Connection from "+ipt+" port "+port+" on "+h.local+" port 22 rdomain \"\"")
	}
	return s
}

// start gives p its steps and pid and schedules it.
func (g *gen) start(p *proc, s *script, at int64) {
	p.steps = s.steps
	p.pid = p.host.newPID(g, at, at+s.t)
	g.schedule(p, at)
}

// password is a connection that tries passwords for one user.
func (g *gen) password(h *host, at int64, ip netip.Addr, user string) {
	p := g.conn(h, ip, user)
	ipt, port := g.addrText(ip), g.port()
	s := g.begin(h, ipt, port)
	from := " from " + ipt + " port " + port
	k := 1
	switch x := g.r.Float64(); {
	case x < 0.15:
		k = 6 // MaxAuthTries
	case x < 0.35:
		k = 2 + g.r.IntN(4)
	}
	pamFail := "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=" + ipt
	var failed, who string
	if p.valid {
		who = "authenticating user " + user
		failed = "Failed password for " + user + from + " ssh2"
		s.add(g.dur(100*time.Millisecond, 900*time.Millisecond), cFailure, pamFail+"  user="+user)
		s.add(g.dur(1500*time.Millisecond, 3*time.Second), cFailed, failed)
		if k > 1 {
			if k > 2 && h.style != Journal && g.chance(0.6) {
				// rsyslog's repeated message reduction; it never writes "1 times".
				s.repeat(g.dur(2*time.Second, 12*time.Second), cFailed, failed, k-1)
			} else {
				for i := 1; i < k; i++ {
					s.add(g.dur(1500*time.Millisecond, 3*time.Second), cFailed, failed)
				}
			}
		}
	} else {
		who = "invalid user " + user
		failed = "Failed password for invalid user " + user + from + " ssh2"
		s.add(g.dur(50*time.Millisecond, 400*time.Millisecond), cFailure, "Invalid user "+user+from)
		s.add(g.dur(100*time.Millisecond, 500*time.Millisecond), cNone, "pam_unix(sshd:auth): check pass; user unknown")
		s.add(0, cFailure, pamFail)
		s.add(g.dur(1500*time.Millisecond, 3*time.Second), cFailed, failed)
		for i := 1; i < k; i++ {
			s.add(g.dur(300*time.Millisecond, 2*time.Second), cNone, "pam_unix(sshd:auth): check pass; user unknown")
			s.add(g.dur(1500*time.Millisecond, 3*time.Second), cFailed, failed)
		}
	}
	userPart := ""
	if p.valid {
		userPart = "  user=" + user
	}
	addr := ipt + " port " + port
	if k == 6 && p.valid && h.prog == "sshd-session" && g.chance(0.5) {
		// pam_faillock locks the account: never an attempt.
		s.block(g.dur(0, 100*time.Millisecond), "pam_faillock(sshd:auth): Consecutive login failures for user "+user+" account temporarily locked",
			blocked{kind: knocks.KindLockout, n: 1})
	}
	if k == 6 {
		s.add(g.dur(0, 300*time.Millisecond), cFailure, "error: maximum authentication attempts exceeded for "+strings.TrimPrefix(who, "authenticating user ")+from+" ssh2 [preauth]")
		s.add(0, cFailure, "Disconnecting "+who+" "+addr+": Too many authentication failures [preauth]")
		s.add(0, cNone, "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost="+ipt+userPart)
		s.add(0, cNone, "PAM service(sshd) ignoring max retries; 6 > 3")
	} else {
		if g.chance(0.6) {
			s.add(g.dur(100*time.Millisecond, 2*time.Second), cScan, "Received disconnect from "+addr+":11: Bye Bye [preauth]")
			s.add(0, cFailure, "Disconnected from "+who+" "+addr+" [preauth]")
		} else {
			s.add(g.dur(100*time.Millisecond, 5*time.Second), cFailure, "Connection closed by "+who+" "+addr+" [preauth]")
		}
		if k > 1 {
			s.add(0, cNone, "PAM "+strconv.Itoa(k-1)+" more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost="+ipt+userPart)
		}
	}
	g.start(p, s, at)
	if h.prog == "sshd-session" && k > 1 && g.chance(0.3) {
		g.penalise(h, at, s.t, ip, "failed authentication")
	}
}

// penalise writes what the listener of an OpenSSH 9.8+ host (h.prog
// "sshd-session") logs after a connection from ip that ended after at+end:
// the penalty it imposes (srclimit_penalise, in one of its two forms) and
// the drops of the next tries, now and then with a rate-limited summary
// (OpenSSH 10.0+).
func (g *gen) penalise(h *host, at, end int64, ip netip.Addr, reason string) {
	l := &proc{host: h, prog: "sshd", pid: h.listener, sshd: true}
	ls := &script{g: g}
	fam, bits := "ipv4", "/32"
	if ip.Is6() {
		fam, bits = "ipv6", "/128"
	}
	secs := 1 + g.r.IntN(30)
	text := "srclimit_penalise: " + ip.String() + bits + ": activating " + fam + " penalty of " + strconv.Itoa(secs) + " seconds for penalty: " + reason
	if g.chance(0.5) {
		text = "srclimit_penalise: " + fam + ": new " + ip.String() + bits + " active penalty of " + strconv.Itoa(secs) + ".000 seconds for penalty: " + reason
	}
	ls.block(end+g.dur(time.Millisecond, 50*time.Millisecond), text, blocked{kind: knocks.KindPenalty, reason: reason, ip: ip.String(), n: 1})
	for i, n := 0, 1+g.r.IntN(3); i < n; i++ {
		h.drops++
		ls.block(g.dur(500*time.Millisecond, time.Duration(secs)*time.Second), "drop connection #"+strconv.Itoa(h.drops)+" from ["+ip.String()+"]:"+g.port()+" on ["+h.local+"]:22 penalty: "+reason,
			blocked{kind: knocks.KindDrop, reason: reason, ip: ip.String(), n: 1})
	}
	if g.chance(0.1) {
		n := 1 + g.r.IntN(20)
		ls.block(g.dur(time.Second, 5*time.Second), "PerSourcePenalties logging rate-limited: additional "+strconv.Itoa(n)+" connections dropped",
			blocked{kind: knocks.KindDrop, n: int64(n)})
	}
	l.steps = ls.steps
	g.schedule(l, at)
}

// probe is a connection to a keys-only server: the user name shows, no
// password is tried.
func (g *gen) probe(h *host, at int64, ip netip.Addr, user string) {
	p := g.conn(h, ip, user)
	ipt, port := g.addrText(ip), g.port()
	s := g.begin(h, ipt, port)
	addr := ipt + " port " + port
	who := "authenticating user " + user
	if !p.valid {
		who = "invalid user " + user
		s.add(g.dur(50*time.Millisecond, 400*time.Millisecond), cFailure, "Invalid user "+user+" from "+addr)
	}
	failedFor := user // Failed lines say "invalid user U" or just "U"
	if !p.valid {
		failedFor = "invalid user " + user
	}
	switch x := g.r.Float64(); {
	case x < 0.05:
		s.add(g.dur(100*time.Millisecond, time.Second), cFailed, "Failed none for "+failedFor+" from "+addr+" ssh2")
	case x < 0.10:
		s.add(g.dur(100*time.Millisecond, time.Second), cFailed, "Failed publickey for "+failedFor+" from "+addr+" ssh2: RSA SHA256:"+g.randomKey())
	}
	if g.chance(0.7) {
		s.add(g.dur(100*time.Millisecond, 3*time.Second), cFailure, "Connection closed by "+who+" "+addr+" [preauth]")
	} else {
		s.add(g.dur(100*time.Millisecond, 3*time.Second), cScan, "Received disconnect from "+addr+":11: Bye Bye [preauth]")
		s.add(0, cFailure, "Disconnected from "+who+" "+addr+" [preauth]")
	}
	g.start(p, s, at)
}

// notAllowed is a connection for a system account that may not log in.
func (g *gen) notAllowed(h *host, at int64, ip netip.Addr, user string) {
	p := g.conn(h, ip, user)
	p.valid = false
	ipt, port := g.addrText(ip), g.port()
	s := g.begin(h, ipt, port)
	addr := ipt + " port " + port
	why := []string{"not listed in AllowUsers", "none of user's groups are listed in AllowGroups"}[g.r.IntN(2)]
	if h.prog == "sshd-session" && g.chance(0.4) {
		// OpenSSH 9.9+ RefuseConnection: a failure line; the listener
		// penalises the address.
		s.add(g.dur(50*time.Millisecond, 400*time.Millisecond), cFailure, "administratively prohibited connection for "+user+" from "+addr)
		s.add(g.dur(10*time.Millisecond, 100*time.Millisecond), cFailure, "Disconnected from invalid user "+user+" "+addr+" [preauth]")
		g.start(p, s, at)
		g.penalise(h, at, s.t, ip, "connection prohibited by RefuseConnection")
		return
	}
	s.add(g.dur(50*time.Millisecond, 400*time.Millisecond), cFailure, "User "+user+" from "+ipt+" not allowed because "+why)
	if g.chance(0.5) {
		s.add(g.dur(1500*time.Millisecond, 3*time.Second), cFailed, "Failed password for invalid user "+user+" from "+addr+" ssh2")
	}
	s.add(g.dur(100*time.Millisecond, 3*time.Second), cFailure, "Connection closed by invalid user "+user+" "+addr+" [preauth]")
	g.start(p, s, at)
}

// scan is a connection that never tries to authenticate.
func (g *gen) scan(h *host, at int64, ip netip.Addr, kind int) {
	p := g.conn(h, ip, "")
	ipt, port := g.addrText(ip), g.port()
	s := g.begin(h, ipt, port)
	addr := ipt + " port " + port
	d := func() int64 { return g.dur(10*time.Millisecond, 2*time.Second) }
	switch {
	case kind < 14:
		s.add(g.dur(time.Second, 20*time.Second), cScan, "Did not receive identification string from "+addr)
	case kind < 38:
		s.add(d(), cScan, "error: kex_exchange_identification: Connection closed by remote host")
		s.add(0, cScan, "Connection closed by "+addr)
	case kind < 45:
		s.add(d(), cScan, "error: kex_exchange_identification: read: Connection reset by peer")
		s.add(0, cScan, "Connection reset by "+addr)
	case kind < 52:
		s.add(d(), cScan, `error: kex_exchange_identification: client sent invalid protocol identifier "GET / HTTP/1.1"`)
		s.add(0, cScan, "banner exchange: Connection from "+addr+": invalid format")
	case kind < 60:
		s.add(d(), cScan, "banner exchange: Connection from "+addr+": invalid format")
	case kind < 66:
		s.add(d(), cScan, "Unable to negotiate with "+addr+": no matching key exchange method found. Their offer: diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1 [preauth]")
	case kind < 72:
		s.add(d(), cScan, "Unable to negotiate with "+addr+": no matching host key type found. Their offer: ssh-rsa,ssh-dss [preauth]")
	case kind < 86:
		s.add(d(), cScan, "Connection closed by "+addr+" [preauth]")
	case kind < 93:
		s.add(d(), cScan, "Received disconnect from "+addr+":11: Bye Bye [preauth]")
		s.add(0, cScan, "Disconnected from "+addr+" [preauth]")
	case kind < 95:
		s.add(d(), cScan, "Bad protocol version identification '\\026\\003\\001' from "+addr)
	case kind < 97:
		s.add(g.dur(110*time.Second, 125*time.Second), cScan, "fatal: Timeout before authentication for "+addr)
	case kind < 98:
		s.add(d(), cScan, "ssh_dispatch_run_fatal: Connection from "+addr+": message authentication code incorrect [preauth]")
	default:
		s.add(d(), cScan, "error: kex_exchange_identification: banner line contains invalid characters")
		s.add(0, cScan, "banner exchange: Connection from "+addr+": invalid format")
	}
	g.start(p, s, at)
	if h.prog == "sshd-session" && g.chance(0.15) {
		g.penalise(h, at, s.t, ip, "connections without attempting authentication")
	}
}

// fingerprint returns the SHA256 fingerprint of the key of a user who
// logs in: the same for each name.
func (g *gen) fingerprint(name string) string {
	if f, ok := g.keys[name]; ok {
		return f
	}
	f := g.randomKey()
	g.keys[name] = f
	return f
}

// randomKey returns the fingerprint of some key.
func (g *gen) randomKey() string {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 43)
	for i := range b {
		b[i] = b64[g.r.IntN(64)]
	}
	return string(b)
}

// login is a user who logs in and out, with the lines of the session.
func (g *gen) login(h *host, t int64) {
	user := []string{"alice", "alice", "alice", "bob", "deploy", "root"}[g.r.IntN(6)]
	ip := g.homeIPs[g.r.IntN(len(g.homeIPs))]
	if user == "deploy" {
		ip = g.pool[len(g.pool)-1-g.r.IntN(min(5, len(g.pool)))] // a CI runner somewhere
	}
	p := g.conn(h, ip, user)
	ipt, port := g.addrText(ip), g.port()
	s := g.begin(h, ipt, port)
	from := " from " + ipt + " port " + port
	method := "publickey"
	if user == "bob" || g.chance(0.1) {
		method = "password"
	}
	if method == "password" && g.chance(0.2) { // a typo first
		s.add(g.dur(500*time.Millisecond, 2*time.Second), cFailure, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost="+ipt+"  user="+user)
		s.add(g.dur(1500*time.Millisecond, 3*time.Second), cFailed, "Failed password for "+user+from+" ssh2")
	}
	accepted := "Accepted password for " + user + from + " ssh2"
	if method == "publickey" {
		accepted = "Accepted publickey for " + user + from + " ssh2: ED25519 SHA256:" + g.fingerprint(user)
	}
	s.add(g.dur(200*time.Millisecond, 3*time.Second), cLogin, accepted)
	uid := strconv.Itoa(validUsers[user])
	s.add(g.dur(time.Millisecond, 40*time.Millisecond), cNone, "pam_unix(sshd:session): session opened for user "+user+"(uid="+uid+") by (uid=0)")
	opened := s.t
	s.add(g.dur(5*time.Second, 8*time.Minute), cNone, "Received disconnect from "+ipt+" port "+port+":11: disconnected by user")
	s.add(0, cNone, "Disconnected from user "+user+" "+ipt+" port "+port)
	s.add(g.dur(time.Millisecond, 20*time.Millisecond), cNone, "pam_unix(sshd:session): session closed for user "+user)
	closed := s.t
	g.start(p, s, t)
	if g.noiseShare == 0 {
		return // no lines of other programs
	}

	h.session++
	n := strconv.Itoa(h.session)
	l := &proc{host: h, prog: "systemd-logind", pid: h.logind}
	ls := &script{g: g}
	ls.add(opened+g.dur(time.Millisecond, 30*time.Millisecond), cNone, "New session "+n+" of user "+user+".")
	ls.add(closed-ls.t+g.dur(time.Millisecond, 30*time.Millisecond), cNone, "Session "+n+" logged out. Waiting for processes to exit.")
	ls.add(g.dur(time.Millisecond, 30*time.Millisecond), cNone, "Removed session "+n+".")
	l.steps = ls.steps
	g.schedule(l, t)
	if user != "root" && g.chance(0.3) {
		g.sudo(h, t+opened+g.dur(5*time.Second, time.Duration(closed-opened)), user, uid)
	}
}

// sudo is a command run with sudo.
func (g *gen) sudo(h *host, t int64, user, uid string) {
	p := &proc{host: h, prog: "sudo", noPID: true}
	s := &script{g: g}
	cmd := sudoCommands[g.r.IntN(len(sudoCommands))]
	s.add(0, cNone, fmt.Sprintf("%8s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s", user, g.r.IntN(4), user, cmd))
	s.add(g.dur(time.Millisecond, 10*time.Millisecond), cNone, "pam_unix(sudo:session): session opened for user root(uid=0) by "+user+"(uid="+uid+")")
	s.add(g.dur(50*time.Millisecond, 30*time.Second), cNone, "pam_unix(sudo:session): session closed for user root")
	p.steps = s.steps
	p.pid = h.newPID(g, t, t+s.t)
	g.schedule(p, t)
}

// noise is a process of another program than sshd.
func (g *gen) noise(t int64) {
	h := g.hosts[g.r.IntN(len(g.hosts))]
	switch x := g.r.Float64(); {
	case x < 0.85:
		p := &proc{host: h, prog: "CRON"}
		s := &script{g: g}
		user, uid := "root", "0"
		if g.chance(0.15) {
			user, uid = "alice", "1000"
		}
		s.add(0, cNone, "pam_unix(cron:session): session opened for user "+user+"(uid="+uid+") by (uid=0)")
		s.add(g.dur(10*time.Millisecond, 90*time.Second), cNone, "pam_unix(cron:session): session closed for user "+user)
		p.steps = s.steps
		p.pid = h.newPID(g, t, t+s.t)
		g.schedule(p, t)
	case x < 0.95:
		g.sudo(h, t, "alice", "1000")
	default:
		p := &proc{host: h, prog: "systemd-logind", pid: h.logind}
		s := &script{g: g}
		s.add(0, cNone, []string{
			"Watching system buttons on Power Button (Power Button)",
			"New seat seat0.",
			"Power key pressed short.",
		}[g.r.IntN(3)])
		p.steps = s.steps
		g.schedule(p, t)
	}
}

// restart restarts the sshd listener.
func (g *gen) restart(h *host, t int64) {
	old := &proc{host: h, prog: "sshd", pid: h.listener, sshd: true}
	s := &script{g: g}
	s.add(0, cNone, "Received signal 15; terminating.")
	old.steps = s.steps
	g.schedule(old, t)
	h.listener = h.newPID(g, t, forever)
	nw := &proc{host: h, prog: "sshd", pid: h.listener, sshd: true}
	s = &script{g: g}
	s.add(g.dur(100*time.Millisecond, time.Second), cNone, "Server listening on 0.0.0.0 port 22.")
	s.add(0, cNone, "Server listening on :: port 22.")
	nw.steps = s.steps
	g.schedule(nw, t)
}

// emit writes the line(s) of one step.
func (g *gen) emit(p *proc, s *step, target int64) {
	h := p.host
	style := h.style
	if h.switchAt >= 0 && g.lines >= int64(h.switchAt) {
		style = RFC3339
	}
	n := 1
	text := s.text
	if s.repeat > 0 {
		if style == Journal {
			n = s.repeat
		} else {
			text = "message repeated " + strconv.Itoa(s.repeat) + " times: [ " + s.text + "]"
		}
	}
	var counted int64
	for i := 0; i < n && g.lines < target; i++ {
		g.writeLine(p, style, s.at, text)
		counted++
		if s.repeat > 0 && style != Journal {
			counted = int64(s.repeat)
		}
	}
	if s.pen != nil && counted > 0 {
		g.countBlocked(s.pen)
	}
	if !p.conn {
		return
	}
	if !p.started {
		p.started = true
		p.start = s.at
	}
	switch s.class {
	case cFailed:
		p.failed += counted
		p.failureLines += counted
	case cFailure:
		p.failureLines += counted
	case cScan:
		p.scanLines += counted
	case cLogin:
		p.login += counted
	}
}

// countBlocked adds a written drop, penalty or lockout line to the counts.
func (g *gen) countBlocked(b *blocked) {
	switch b.kind {
	case knocks.KindLockout:
		g.lockouts += b.n
		return
	case knocks.KindDrop:
		g.dropped += b.n
	}
	if b.reason == "" {
		return
	}
	pc := g.penalties[b.reason]
	if pc == nil {
		pc = &PenaltyCount{}
		g.penalties[b.reason], g.penAddrs[b.reason] = pc, map[string]bool{}
	}
	if b.kind == knocks.KindDrop {
		pc.Drops += b.n
	} else {
		pc.Penalties += b.n
	}
	if b.ip != "" && !g.penAddrs[b.reason][b.ip] {
		g.penAddrs[b.reason][b.ip] = true
		pc.Addresses++
	}
}

// finish adds a connection that wrote its last line to the counts.
func (g *gen) finish(p *proc) {
	if !p.conn {
		return
	}
	g.logins += p.login
	switch {
	case p.failureLines > 0:
		a := p.failed
		if a == 0 {
			a = 1
		}
		g.connections++
		g.attempts += a
		g.ips[p.ip.Unmap().String()] += a
		u := g.users[p.user]
		u.Attempts += a
		u.Valid = p.valid
		g.users[p.user] = u
		g.days[time.Unix(0, p.start).UTC().Format("2006-01-02")] += a
	case p.scanLines > 0 && p.login == 0:
		g.scans++
	}
}

func (g *gen) stats() Stats {
	pens := map[string]PenaltyCount{}
	for r, pc := range g.penalties {
		pens[r] = *pc
	}
	return Stats{
		Dropped:     g.dropped,
		Penalties:   pens,
		Lockouts:    g.lockouts,
		Lines:       g.lines,
		SSHDLines:   g.sshdLines,
		Attempts:    g.attempts,
		Connections: g.connections,
		Scans:       g.scans,
		Logins:      g.logins,
		UniqueIPs:   len(g.ips),
		UniqueUsers: len(g.users),
		First:       g.first,
		Last:        g.last,
		IPs:         g.ips,
		Users:       g.users,
		Days:        g.days,
	}
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// writeLine writes one line of p at time at (Unix nanoseconds).
func (g *gen) writeLine(p *proc, style Style, at int64, text string) {
	t := time.Unix(0, at)
	b := g.buf[:0]
	switch style {
	case Journal:
		t = t.Truncate(time.Microsecond)
		b = g.appendJournal(b, p, t, text)
	case RFC3339:
		t = t.Truncate(time.Microsecond)
		b = t.In(g.o.Location).AppendFormat(b, "2006-01-02T15:04:05.000000-07:00")
		b = g.appendHeader(b, p, text)
	default:
		t = t.Truncate(time.Second)
		sec := t.Unix()
		if sec != g.lastStampSec || g.lastStamp3164 == nil {
			lt := t.In(g.o.Location)
			st := append(g.lastStamp3164[:0], months[lt.Month()-1]...)
			st = append(st, ' ')
			if lt.Day() < 10 {
				st = append(st, ' ')
			}
			st = strconv.AppendInt(st, int64(lt.Day()), 10)
			st = lt.AppendFormat(append(st, ' '), "15:04:05")
			g.lastStamp3164, g.lastStampSec = st, sec
		}
		b = append(b, g.lastStamp3164...)
		b = g.appendHeader(b, p, text)
	}
	b = append(b, '\n')
	g.w.Write(b)
	g.buf = b
	g.lines++
	if p.sshd {
		g.sshdLines++
	}
	if g.first.IsZero() {
		g.first = t.UTC()
	}
	g.last = t.UTC()
}

func (g *gen) appendHeader(b []byte, p *proc, text string) []byte {
	b = append(b, ' ')
	b = append(b, p.host.name...)
	b = append(b, ' ')
	b = append(b, p.prog...)
	if !p.noPID {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(p.pid), 10)
		b = append(b, ']')
	}
	b = append(b, ": "...)
	return append(b, text...)
}

// journal fields of each program: _COMM, _EXE, _SYSTEMD_UNIT, SYSLOG_FACILITY.
var journalFields = map[string][4]string{
	"sshd":           {"sshd", "/usr/sbin/sshd", "ssh.service", "4"},
	"sshd-session":   {"sshd-session", "/usr/lib/openssh/sshd-session", "ssh.service", "4"},
	"CRON":           {"cron", "/usr/sbin/cron", "cron.service", "10"},
	"sudo":           {"sudo", "/usr/bin/sudo", "session-3.scope", "10"},
	"systemd-logind": {"systemd-logind", "/usr/lib/systemd/systemd-logind", "systemd-logind.service", "4"},
}

func (g *gen) appendJournal(b []byte, p *proc, t time.Time, text string) []byte {
	h := p.host
	g.cursor++
	us := t.UnixMicro()
	mono := h.monoBase + us - g.o.Start.UnixMicro()
	f := journalFields[p.prog]
	pid := strconv.Itoa(p.pid)
	b = append(b, `{"__CURSOR":"s=`...)
	b = append(b, h.bootID...)
	b = append(b, ";i="...)
	b = strconv.AppendUint(b, g.cursor, 16)
	b = append(b, ";b="...)
	b = append(b, h.bootID...)
	b = append(b, ";m="...)
	b = strconv.AppendInt(b, mono, 16)
	b = append(b, ";t="...)
	b = strconv.AppendInt(b, us, 16)
	b = append(b, `","__REALTIME_TIMESTAMP":"`...)
	b = strconv.AppendInt(b, us, 10)
	b = append(b, `","__MONOTONIC_TIMESTAMP":"`...)
	b = strconv.AppendInt(b, mono, 10)
	b = append(b, `","_BOOT_ID":"`...)
	b = append(b, h.bootID...)
	b = append(b, `","_MACHINE_ID":"`...)
	b = append(b, h.machineID...)
	b = append(b, `","_HOSTNAME":"`...)
	b = appendJSONString(b, h.name)
	b = append(b, `","PRIORITY":"6","SYSLOG_FACILITY":"`...)
	b = append(b, f[3]...)
	b = append(b, `","_UID":"0","_GID":"0","_TRANSPORT":"syslog","_COMM":"`...)
	b = append(b, f[0]...)
	b = append(b, `","_EXE":"`...)
	b = append(b, f[1]...)
	b = append(b, `","_SYSTEMD_UNIT":"`...)
	b = append(b, f[2]...)
	b = append(b, `","SYSLOG_IDENTIFIER":"`...)
	b = append(b, p.prog...)
	b = append(b, `","SYSLOG_PID":"`...)
	b = append(b, pid...)
	b = append(b, `","_PID":"`...)
	b = append(b, pid...)
	b = append(b, `","MESSAGE":"`...)
	b = appendJSONString(b, text)
	b = append(b, `","_SOURCE_REALTIME_TIMESTAMP":"`...)
	b = strconv.AppendInt(b, us, 10)
	return append(b, `"}`...)
}

// appendJSONString appends s escaped for the inside of a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}
