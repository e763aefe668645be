package knocks

import "sort"

// BanJoin is the join of bans with attempts, per address, that the
// stores' reports fill Bans with: the stores read the selected bans and
// restores (Ban, Restore), then the attempts of the addresses they name
// (Attempt), and AddTo adds up the result.
type BanJoin struct {
	ips map[string]*banJoined
}

// banJoined is what the join found of one address that a ban or a restore
// names.
type banJoined struct {
	banned                     bool  // a ban names it, not only restores
	firstBan, firstAttempt     int64 // firstBan: of its bans, when banned; firstAttempt -1: none
	before, total, whileBanned int64
	returned                   bool
	spans                      []banSpan
}

// banSpan is one ban, or one restore that found no ban of its jail in
// force: from start to end; open when the data shows no end.
type banSpan struct {
	jail       string
	start, end int64
	open       bool
}

// inForce reports whether the span bans at t.
func (s *banSpan) inForce(t int64) bool { return s.start <= t && (s.open || t < s.end) }

// NewBanJoin returns an empty join.
func NewBanJoin() *BanJoin { return &BanJoin{ips: map[string]*banJoined{}} }

func (j *BanJoin) of(ip string) *banJoined {
	b := j.ips[ip]
	if b == nil {
		b = &banJoined{firstAttempt: -1}
		j.ips[ip] = b
	}
	return b
}

// Ban adds a ban of ip in jail from start to end (open: the data shows no
// end).
func (j *BanJoin) Ban(ip, jail string, start, end int64, open bool) {
	b := j.of(ip)
	if !b.banned || start < b.firstBan {
		b.banned, b.firstBan = true, start
	}
	b.spans = append(b.spans, banSpan{jail: jail, start: start, end: end, open: open})
}

// Restore adds a restore of ip in jail at start, with the end of the ban
// it starts, unless a ban of that jail is in force then: a restore of a
// ban still in force changes nothing, and a restore is never a ban of its
// own. The stores give the bans first, then the restores in the order of
// their time.
func (j *BanJoin) Restore(ip, jail string, start, end int64, open bool) {
	b := j.of(ip)
	for i := range b.spans {
		if s := &b.spans[i]; s.jail == jail && s.inForce(start) {
			return
		}
	}
	b.spans = append(b.spans, banSpan{jail: jail, start: start, end: end, open: open})
}

// IPs returns the addresses that a ban or a restore names.
func (j *BanJoin) IPs() []string {
	ips := make([]string, 0, len(j.ips))
	for ip := range j.ips {
		ips = append(ips, ip)
	}
	return ips
}

// Has reports whether a ban or a restore names ip.
func (j *BanJoin) Has(ip string) bool { return j.ips[ip] != nil }

// Attempts returns the attempts of ip that Attempt added, and false when
// no ban or restore names it.
func (j *BanJoin) Attempts(ip string) (int64, bool) {
	b := j.ips[ip]
	if b == nil {
		return 0, false
	}
	return b.total, true
}

// Attempt adds the attempts of a connection of ip that started at start;
// it does nothing for an address that no ban or restore names.
func (j *BanJoin) Attempt(ip string, start, attempts int64) {
	b := j.ips[ip]
	if b == nil {
		return
	}
	if b.firstAttempt < 0 || start < b.firstAttempt {
		b.firstAttempt = start
	}
	if b.banned && start < b.firstBan {
		b.before += attempts
	}
	b.total += attempts
	while := false
	for i := range b.spans {
		s := &b.spans[i]
		if s.inForce(start) {
			while = true
		}
		if !s.open && s.end <= start {
			b.returned = true
		}
	}
	if while {
		b.whileBanned += attempts
	}
}

// AddTo adds up the join into b: the banned addresses, the attempts
// before, while and after a ban, the median time to a first ban, and the
// attempts of banned and never banned addresses (b.Defences.Attempts set).
func (j *BanJoin) AddTo(b *Bans) {
	var delays []int64
	for _, x := range j.ips {
		if x.banned {
			b.BannedIPs++
		}
		if x.banned && x.firstAttempt >= 0 && x.firstAttempt <= x.firstBan {
			delays = append(delays, x.firstBan-x.firstAttempt)
		}
		b.AttemptsBeforeBan += x.before
		b.AttemptsWhileBanned += x.whileBanned
		if x.whileBanned > 0 {
			b.IPsWhileBanned++
		}
		if x.returned {
			b.ReturnedAfterUnban++
		}
		b.Defences.AttemptsByBanned += x.total
	}
	b.BannedWithAttempts = int64(len(delays))
	if n := len(delays); n > 0 {
		sort.Slice(delays, func(i, k int) bool { return delays[i] < delays[k] })
		b.MedianTimeToBan = float64(delays[(n-1)/2]+delays[n/2]) / 2
	}
	b.Defences.AttemptsNeverBanned = b.Defences.Attempts - b.Defences.AttemptsByBanned
}
