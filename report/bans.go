package report

import (
	"fmt"
	"strconv"
	"time"

	"knocks"
)

// textBans prints the bans part of a report: nothing when no ban,
// unban, restore or Found line was read.
func textBans(p *printer, b *knocks.Bans, o Options) {
	if !b.Acted() && b.Found == 0 {
		return
	}
	if o.Zone == nil {
		o.Zone = time.UTC
	}
	p.f("\nBans (fail2ban, SSHGuard)\n")
	p.f("  %-15s %s bans, %s unbans of %s addresses; %s fail2ban Found lines\n", "Bans", group(b.Bans), group(b.Unbans), group(b.BannedIPs), group(b.Found))
	if b.Restores > 0 {
		p.f("  %-15s %s bans restored by fail2ban as it started again: banned from then on, not counted as bans\n", "Restored", group(b.Restores))
	}
	if b.BannedWithAttempts > 0 {
		p.f("  %-15s median %s from an address's first attempt to its first ban (over %s addresses)\n", "Time to ban",
			Duration(b.MedianTimeToBan), group(b.BannedWithAttempts))
	}
	p.f("  %-15s %s attempts by banned addresses before their first ban\n", "Before the ban", group(b.AttemptsBeforeBan))
	p.f("  %-15s %s attempts by %s addresses while they were banned", "While banned", group(b.AttemptsWhileBanned), group(b.IPsWhileBanned))
	if b.AttemptsWhileBanned > 0 {
		p.f(" (a ban that does not stop them: a wrong port or action?)")
	}
	p.f("\n  %-15s %s made attempts after a ban of theirs ended\n", "Came back", Count(b.ReturnedAfterUnban, "address", "addresses"))
	d := b.Defences
	p.f("  %-15s sshd dropped %s connections by itself; %s attempts reached sshd: %s by addresses banned at some time,\n  %-15s %s by addresses never banned; %s logins got through\n",
		"Defences", group(d.Dropped), group(d.Attempts), group(d.AttemptsByBanned), "", group(d.AttemptsNeverBanned), group(d.Logins))
	if len(b.Jails) > 0 {
		p.table("Bans per jail", []string{"jail", "bans", "unbans", "restores", "ips"}, len(b.Jails), func(i int) []string {
			j := b.Jails[i]
			return []string{Safe(j.Jail), group(j.Bans), group(j.Unbans), group(j.Restores), group(j.BannedIPs)}
		})
	}
	if len(b.TopBanned) > 0 {
		p.table("Top banned addresses", []string{"ip", "bans", "attempts", "first ban", "jails", "country", "asn"}, len(b.TopBanned), func(i int) []string {
			r := b.TopBanned[i]
			asn := ""
			if r.ASN != 0 {
				asn = "AS" + strconv.FormatUint(uint64(r.ASN), 10) + " " + Safe(r.Org)
			}
			bans := group(r.Bans)
			if r.BanCount > r.Bans {
				bans += " (fail2ban: " + group(r.BanCount) + ")" // its database counts the bans before the logs
			}
			if r.Permanent {
				bans += " permanent"
			}
			return []string{Safe(r.IP), bans, group(r.Attempts), day(r.FirstBan, o.Zone), Safe(r.Jails), country(r.Country, o.Flags), asn}
		})
	}
	if len(b.BannedCountries) > 0 {
		p.table("Banned addresses by country", []string{"country", "name", "ips", "bans"}, len(b.BannedCountries), func(i int) []string {
			c := b.BannedCountries[i]
			return []string{country(c.Country, o.Flags), Safe(c.Name), group(c.IPs), group(c.Attempts)}
		})
	}
	if len(b.TopNeverBanned) > 0 {
		p.table("Top attackers never banned", []string{"ip", "attempts", "share", "first seen", "last seen", "country"}, len(b.TopNeverBanned), func(i int) []string {
			r := b.TopNeverBanned[i]
			return []string{Safe(r.IP), group(r.Attempts), pct(r.Share), day(r.First, o.Zone), day(r.Last, o.Zone), country(r.Country, o.Flags)}
		})
	}
}

// csvBans writes the rows of the ban sections (see CSV).
func csvBans(write func(...string), b *knocks.Bans) {
	total := func(key, v string) { write("bans", "", key, v, "", "", "", "", "", "", "", "") }
	total("bans", itoa(b.Bans))
	total("unbans", itoa(b.Unbans))
	total("restores", itoa(b.Restores))
	total("found", itoa(b.Found))
	total("banned_ips", itoa(b.BannedIPs))
	total("median_time_to_ban_seconds", strconv.FormatFloat(b.MedianTimeToBan, 'f', -1, 64))
	total("attempts_before_ban", itoa(b.AttemptsBeforeBan))
	total("attempts_while_banned", itoa(b.AttemptsWhileBanned))
	total("returned_after_unban", itoa(b.ReturnedAfterUnban))
	for i, j := range b.Jails {
		write("jail", itoa(int64(i+1)), j.Jail, itoa(j.Bans), "", "", itoa(j.BannedIPs), "", "", "", "", "")
		write("jail_unbans", itoa(int64(i+1)), j.Jail, itoa(j.Unbans), "", "", "", "", "", "", "", "")
		write("jail_restores", itoa(int64(i+1)), j.Jail, itoa(j.Restores), "", "", "", "", "", "", "", "")
	}
	for i, r := range b.TopBanned {
		asn := ""
		if r.ASN != 0 {
			asn = strconv.FormatUint(uint64(r.ASN), 10)
		}
		write("banned_ip", itoa(int64(i+1)), r.IP, itoa(r.Bans), "", "", "", ts(r.FirstBan), ts(r.LastBan), r.Country, asn, r.Org)
	}
	for i, c := range b.BannedCountries {
		write("banned_country", itoa(int64(i+1)), c.Country, itoa(c.Attempts), ftoa(c.Share), "", itoa(c.IPs), "", "", c.Country, "", "", c.Name)
	}
	for i, r := range b.TopNeverBanned {
		asn := ""
		if r.ASN != 0 {
			asn = strconv.FormatUint(uint64(r.ASN), 10)
		}
		write("never_banned", itoa(int64(i+1)), r.IP, itoa(r.Attempts), ftoa(r.Share), "", "", ts(r.First), ts(r.Last), r.Country, asn, r.Org)
	}
}

// Duration writes a number of seconds for people: "45s", "2m02s",
// "3h05m", "2d04h".
func Duration(secs float64) string {
	d := time.Duration(secs * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%02dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// textAlerts prints the alerts of a report: the successful logins that
// matter.
func textAlerts(p *printer, as []knocks.Alert, found int64, o Options) {
	if len(as) == 0 {
		return
	}
	title := "Alerts: successful logins that matter (knocks alerts)"
	if found > int64(len(as)) {
		title = fmt.Sprintf("Alerts: the latest %d of %d successful logins that matter (knocks alerts)", len(as), found)
	}
	zone := o.Zone
	if zone == nil {
		zone = time.UTC
	}
	p.table(title, []string{"time", "alert", "user", "host", "from", "why"}, len(as), func(i int) []string {
		a := as[i]
		from := Safe(a.IP)
		if a.Country != "" {
			from += " " + country(a.Country, o.Flags)
		}
		return []string{a.Time.In(zone).Format("2006-01-02 15:04"), a.Kind, Safe(a.User), Safe(a.Host), from, Safe(a.Why)}
	})
}
