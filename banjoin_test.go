package knocks_test

import (
	"testing"

	"knocks"
)

// TestBanJoin checks what the join of bans with attempts adds up, the
// rules of restores included: a restore of a ban in force adds nothing, a
// restore with none in force bans from its time, and neither counts as a
// ban.
func TestBanJoin(t *testing.T) {
	type ban struct {
		ip, jail   string
		start, end int64
		open       bool
		restore    bool
	}
	type attempt struct {
		ip          string
		start, many int64
	}
	for _, c := range []struct {
		Name     string
		Bans     []ban
		Attempts []attempt
		Want     knocks.Bans
	}{
		{
			Name:     "attempts before, while and after a ban",
			Bans:     []ban{{ip: "192.0.2.1", jail: "sshd", start: 100, end: 200}},
			Attempts: []attempt{{"192.0.2.1", 40, 3}, {"192.0.2.1", 150, 2}, {"192.0.2.1", 250, 1}, {"198.51.100.1", 150, 9}},
			Want: knocks.Bans{BannedIPs: 1, AttemptsBeforeBan: 3, AttemptsWhileBanned: 2, IPsWhileBanned: 1, ReturnedAfterUnban: 1,
				BannedWithAttempts: 1, MedianTimeToBan: 60, Defences: knocks.Defences{Attempts: 15, AttemptsByBanned: 6, AttemptsNeverBanned: 9}},
		},
		{
			Name:     "a restore of a ban in force adds nothing",
			Bans:     []ban{{ip: "192.0.2.1", jail: "sshd", start: 100, end: 200}, {ip: "192.0.2.1", jail: "sshd", start: 150, open: true, restore: true}},
			Attempts: []attempt{{"192.0.2.1", 250, 1}},
			Want:     knocks.Bans{BannedIPs: 1, ReturnedAfterUnban: 1, Defences: knocks.Defences{Attempts: 1, AttemptsByBanned: 1}},
		},
		{
			Name:     "a restore of another jail bans from its time",
			Bans:     []ban{{ip: "192.0.2.1", jail: "sshd", start: 100, end: 200}, {ip: "192.0.2.1", jail: "recidive", start: 150, open: true, restore: true}},
			Attempts: []attempt{{"192.0.2.1", 250, 1}},
			Want: knocks.Bans{BannedIPs: 1, AttemptsWhileBanned: 1, IPsWhileBanned: 1, ReturnedAfterUnban: 1,
				Defences: knocks.Defences{Attempts: 1, AttemptsByBanned: 1}},
		},
		{
			Name:     "an address only restored is banned from then on, but not a banned address",
			Bans:     []ban{{ip: "192.0.2.7", jail: "sshd", start: 100, end: 300, restore: true}},
			Attempts: []attempt{{"192.0.2.7", 50, 4}, {"192.0.2.7", 120, 2}},
			Want:     knocks.Bans{AttemptsWhileBanned: 2, IPsWhileBanned: 1, Defences: knocks.Defences{Attempts: 6, AttemptsByBanned: 6}},
		},
	} {
		t.Run(c.Name, func(t *testing.T) {
			j := knocks.NewBanJoin()
			for _, b := range c.Bans {
				if b.restore {
					j.Restore(b.ip, b.jail, b.start, b.end, b.open)
				} else {
					j.Ban(b.ip, b.jail, b.start, b.end, b.open)
				}
			}
			var got knocks.Bans
			for _, a := range c.Attempts {
				j.Attempt(a.ip, a.start, a.many)
				got.Defences.Attempts += a.many
			}
			j.AddTo(&got)
			if got.BannedIPs != c.Want.BannedIPs || got.AttemptsBeforeBan != c.Want.AttemptsBeforeBan ||
				got.AttemptsWhileBanned != c.Want.AttemptsWhileBanned || got.IPsWhileBanned != c.Want.IPsWhileBanned ||
				got.ReturnedAfterUnban != c.Want.ReturnedAfterUnban || got.BannedWithAttempts != c.Want.BannedWithAttempts ||
				got.MedianTimeToBan != c.Want.MedianTimeToBan || got.Defences != c.Want.Defences {
				t.Errorf("got %+v\nwant %+v", got, c.Want)
			}
		})
	}
}
