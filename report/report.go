package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"knocks"
)

// Options control text output.
type Options struct {
	Flags bool           // show flag emoji beside country codes (the terminal supports them)
	Color bool           // colour titles, column heads and logins with ANSI codes (around already escaped text)
	Zone  *time.Location // the zone of the times shown; nil is UTC (days per day are always UTC days)
}

// Definition says what the numbers of a report count; the text report
// ends with it.
const Definition = "An attempt is one failed authentication (each Failed line; one for a connection that failed without one); a scan is a connection that never tried to authenticate (see README, Counting)."

// ANSI SGR sequences of the text report's colours.
const (
	sgrBold  = "\x1b[1m"
	sgrDim   = "\x1b[2m"
	sgrRed   = "\x1b[1;31m"
	sgrCyan  = "\x1b[1;36m"
	sgrReset = "\x1b[0m"
)

// JSON writes s as one indented JSON object. The keys are documented in
// docs/report-json.md. It writes the bytes of a json.Encoder with an
// indent of two spaces, but a list at a time and an entry of a top-level
// list at a time, through a buffer: it holds the encoding of one entry, not
// of the whole report (whose lists may hold knocks.MaxTop rows each).
func JSON(w io.Writer, s *knocks.Summary) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeJSON(bw, reflect.ValueOf(s).Elem()); err != nil {
		return fmt.Errorf("cannot write json: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write json: %w", err)
	}
	return nil
}

// writeJSON writes the struct v as json.Encoder does with the indent "  ",
// the entries of its non-empty slice fields one by one.
func writeJSON(w *bufio.Writer, v reflect.Value) error {
	w.WriteString("{")
	n := 0
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		fv := v.Field(i)
		if !f.IsExported() || name == "-" || opts == "omitempty" && fv.IsZero() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		key, err := json.Marshal(name)
		if err != nil {
			return err
		}
		if n > 0 {
			w.WriteString(",")
		}
		n++
		w.WriteString("\n  ")
		w.Write(key)
		w.WriteString(": ")
		if fv.Kind() != reflect.Slice || fv.Len() == 0 {
			b, err := json.MarshalIndent(fv.Interface(), "  ", "  ")
			if err != nil {
				return err
			}
			w.Write(b)
			continue
		}
		w.WriteString("[")
		for j := 0; j < fv.Len(); j++ {
			if j > 0 {
				w.WriteString(",")
			}
			b, err := json.MarshalIndent(fv.Index(j).Interface(), "    ", "  ")
			if err != nil {
				return err
			}
			w.WriteString("\n    ")
			w.Write(b)
		}
		w.WriteString("\n  ]")
	}
	if n > 0 {
		w.WriteString("\n")
	}
	_, err := w.WriteString("}\n")
	return err
}

// csvHeader is the header of CSV; a row leaves the columns it has no value
// for empty.
var csvHeader = []string{"section", "rank", "key", "attempts", "share", "valid", "ips", "first", "last", "country", "asn", "org", "name", "drops", "penalties", "lockouts"}

// CSV writes s as one table with the columns of csvHeader: org is the
// organisation of an AS, name the name of a country; the totals first
// (section "total", key the name of the count), then one row per entry of
// each top list and of the per-day series. The sections of the top lists
// are user, ip, subnet (/24 and /64), subnet48 (IPv6 /48), prefix
// (announced prefixes of the ASN data), port, host, country, reserved
// (reserved address ranges, apart from the countries) and asn; then
// what sshd blocked by itself: penalty (key the reason; drops, penalties,
// and the addresses in ips), penalised (key the address; drops, penalties,
// first, last) and locked_user (key the user; lockouts). The ban sections follow (see
// docs/report-json.md for their meaning): bans (totals, the value in
// attempts), jail (attempts holds the bans, ips the banned addresses),
// jail_unbans, jail_restores, banned_ip (attempts holds the bans, first and last the
// first and last ban), banned_country (attempts holds the bans) and
// never_banned. Last, the campaigns: campaign (key what it is of, as
// CampaignSubject says; valid holds its kind and reason, "burst/address";
// ips the distinct addresses; first and last its start and end; asn and
// org those of an asn group).
func CSV(w io.Writer, s *knocks.Summary) error {
	cw := csv.NewWriter(w)
	write := func(rec ...string) {
		for i := range rec {
			rec[i] = CSVCell(rec[i]) // numbers and times never start with a formula character
		}
		for len(rec) < len(csvHeader) {
			rec = append(rec, "")
		}
		_ = cw.Write(rec)
	}
	write(csvHeader...)
	total := func(key string, v int64) { write("total", "", key, itoa(v), "", "", "", "", "", "", "", "") }
	total("attempts", s.Attempts)
	total("connections", s.Connections)
	total("scans", s.Scans)
	total("logins", s.Logins)
	total("unique_ips", s.UniqueIPs)
	total("unique_hostnames", s.UniqueHosts)
	total("unique_users", s.UniqueUsers)
	total("lines_read", s.LinesRead)
	if s.Lines != nil {
		total("lines_selected", *s.Lines)
	}
	total("hostile_lines", s.HostileLines)
	total("dropped", s.Dropped)
	total("lockouts", s.Lockouts)
	for i, u := range s.TopUsers {
		write("user", itoa(int64(i+1)), u.User, itoa(u.Attempts), ftoa(u.Share), strconv.FormatBool(u.Valid), "", "", "", "", "", "")
	}
	for i, ip := range s.TopIPs {
		asn := ""
		if ip.ASN != 0 {
			asn = strconv.FormatUint(uint64(ip.ASN), 10)
		}
		write("ip", itoa(int64(i+1)), ip.IP, itoa(ip.Attempts), ftoa(ip.Share), "", "", ts(ip.First), ts(ip.Last), ip.Country, asn, ip.Org)
	}
	keyed := func(section string, list []knocks.KeyCount) {
		for i, k := range list {
			write(section, itoa(int64(i+1)), k.Key, itoa(k.Attempts), ftoa(k.Share), "", "", "", "", "", "", "")
		}
	}
	keyed("subnet", s.TopSubnets)
	keyed("subnet48", s.TopSubnets48)
	keyed("prefix", s.TopPrefixes)
	keyed("port", s.TopPorts)
	keyed("host", s.TopHosts)
	for i, c := range s.TopCountries {
		write("country", itoa(int64(i+1)), c.Country, itoa(c.Attempts), ftoa(c.Share), "", itoa(c.IPs), "", "", c.Country, "", "", c.Name)
	}
	for i, c := range s.Reserved {
		write("reserved", itoa(int64(i+1)), c.Country, itoa(c.Attempts), ftoa(c.Share), "", itoa(c.IPs), "", "", "", "", "", c.Name)
	}
	for i, a := range s.TopASNs {
		asn := strconv.FormatUint(uint64(a.ASN), 10)
		write("asn", itoa(int64(i+1)), asn, itoa(a.Attempts), ftoa(a.Share), "", itoa(a.IPs), "", "", "", asn, a.Org)
	}
	for _, d := range s.PerDay {
		write("day", "", d.Time.Format("2006-01-02"), itoa(d.Attempts), "", "", "", "", "", "", "", "")
	}
	for i, p := range s.Penalties {
		write("penalty", itoa(int64(i+1)), p.Reason, "", "", "", itoa(p.Addresses), "", "", "", "", "", "", itoa(p.Drops), itoa(p.Penalties), "")
	}
	for i, p := range s.TopPenalised {
		write("penalised", itoa(int64(i+1)), p.IP, "", "", "", "", ts(p.First), ts(p.Last), "", "", "", "", itoa(p.Drops), itoa(p.Penalties), "")
	}
	for i, u := range s.TopLockedUsers {
		write("locked_user", itoa(int64(i+1)), u.User, "", "", "", "", "", "", "", "", "", "", "", "", itoa(u.Lockouts))
	}
	csvBans(write, &s.Bans)
	csvCampaigns(write, s.Campaigns)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cannot write csv: %w", err)
	}
	return nil
}

// Text writes s as terminal tables. Every cell is made safe (Safe) before
// the colour codes of o.Color are put around it.
func Text(w io.Writer, s *knocks.Summary, o Options) error {
	p := &printer{w: w, color: o.Color}
	zone := o.Zone
	if zone == nil {
		zone = time.UTC
	}
	if s.First.IsZero() {
		p.f("No events stored for this selection.\n")
		return p.err
	}
	if s.Anonymized {
		p.f("%-16s %s\n", "Anonymized", AnonymizedNote)
	}
	p.f("%-16s %s → %s\n", "Period", s.First.In(zone).Format("2006-01-02 15:04"), s.Last.In(zone).Format("2006-01-02 15:04 MST"))
	if zone != time.UTC {
		p.f("%-16s %s\n", "Times in", Safe(zone.String()))
	}
	p.f("%-16s %s\n", "Attempts", p.paint(sgrBold, group(s.Attempts)))
	p.f("%-16s %s\n", "Failed conns", group(s.Connections))
	p.f("%-16s %s\n", "Scans", group(s.Scans))
	logins := group(s.Logins)
	if s.Logins > 0 {
		logins = p.paint(sgrRed, logins)
	}
	p.f("%-16s %s\n", "Logins", logins)
	p.f("%-16s %s\n", "Unique IPs", group(s.UniqueIPs))
	if s.UniqueHosts > 0 {
		p.f("%-16s %s (sources known only by a host name, UseDNS)\n", "Unique hostnames", group(s.UniqueHosts))
	}
	p.f("%-16s %s\n", "Unique users", group(s.UniqueUsers))
	switch {
	case s.Lines != nil && *s.Lines > 0:
		of := "log lines"
		if *s.Lines != s.LinesRead {
			of = "log lines of this time and host"
		}
		p.f("%-16s %s of %s %s (%s)\n", "Hostile lines", group(s.HostileLines), group(*s.Lines), of, SharePct(s.HostileShare))
	case s.Lines != nil && s.LinesRead > 0:
		p.f("%-16s %s (no log lines read in this time and host)\n", "Hostile lines", group(s.HostileLines))
	case s.LinesRead > 0:
		p.f("%-16s %s (share n/a: %s)\n", "Hostile lines", group(s.HostileLines), noShareReason(s.Filter))
	}
	if len(s.TopIPs) >= 3 {
		p.f("%-16s the top 3 IPs made %s of attempts\n", "Concentration", pct(s.Top3Share))
	}

	users := func(title string, list []knocks.UserCount) {
		if len(list) == 0 {
			return
		}
		p.table(title, []string{"user", "attempts", "share"}, len(list), func(i int) []string {
			return []string{Safe(list[i].User), group(list[i].Attempts), pct(list[i].Share)}
		})
	}
	users("Top users (valid)", s.TopValidUsers)
	users("Top users (invalid)", s.TopInvalidUsers)

	geo := len(s.TopCountries) > 0 || len(s.Reserved) > 0 || len(s.TopASNs) > 0
	if len(s.TopIPs) > 0 {
		head := []string{"ip", "attempts", "share", "first seen", "last seen"}
		if geo {
			head = append(head, "country", "asn")
		}
		p.table("Top IPs", head, len(s.TopIPs), func(i int) []string {
			ip := s.TopIPs[i]
			row := []string{Safe(ip.IP), group(ip.Attempts), pct(ip.Share), day(ip.First, zone), day(ip.Last, zone)}
			if geo {
				asn := ""
				if ip.ASN != 0 {
					asn = "AS" + strconv.FormatUint(uint64(ip.ASN), 10) + " " + Safe(ip.Org)
				}
				row = append(row, country(ip.Country, o.Flags), asn)
			}
			return row
		})
	}
	keyed := func(title, key string, list []knocks.KeyCount) {
		if len(list) == 0 {
			return
		}
		p.table(title, []string{key, "attempts", "share"}, len(list), func(i int) []string {
			return []string{Safe(list[i].Key), group(list[i].Attempts), pct(list[i].Share)}
		})
	}
	keyed("Top subnets", "subnet", s.TopSubnets)
	keyed("Top IPv6 /48 subnets", "subnet", s.TopSubnets48)
	keyed("Top announced prefixes (ASN data)", "prefix", s.TopPrefixes)
	if len(s.TopCountries) > 0 {
		p.table("Top countries", []string{"country", "name", "attempts", "share", "ips"}, len(s.TopCountries), func(i int) []string {
			c := s.TopCountries[i]
			return []string{country(c.Country, o.Flags), Safe(c.Name), group(c.Attempts), pct(c.Share), group(c.IPs)}
		})
	}
	if len(s.Reserved) > 0 {
		p.table("Reserved address ranges (not countries)", []string{"range", "attempts", "share", "ips"}, len(s.Reserved), func(i int) []string {
			c := s.Reserved[i]
			return []string{Safe(c.Country), group(c.Attempts), pct(c.Share), group(c.IPs)}
		})
	}
	if len(s.TopASNs) > 0 {
		p.table("Top networks (ASN)", []string{"asn", "organisation", "attempts", "share", "ips"}, len(s.TopASNs), func(i int) []string {
			a := s.TopASNs[i]
			return []string{"AS" + strconv.FormatUint(uint64(a.ASN), 10), Safe(a.Org), group(a.Attempts), pct(a.Share), group(a.IPs)}
		})
	}
	if len(s.TopCities) > 0 {
		p.table("Top cities", []string{"city", "country", "attempts", "ips"}, len(s.TopCities), func(i int) []string {
			c := s.TopCities[i]
			return []string{Safe(c.City), country(c.Country, o.Flags), group(c.Attempts), group(c.IPs)}
		})
	}
	keyed("Hosts attacked", "host", s.TopHosts)
	blocked(p, s, zone)

	if days := lastDays(s.PerDay, 31); len(days) > 0 {
		var max int64
		for _, d := range days {
			max = maxi(max, d.Attempts)
		}
		title := "Attempts per day (UTC)"
		if len(days) < len(s.PerDay) {
			title += fmt.Sprintf(", the last %d days (all of them with --format json or csv)", len(days))
		}
		p.table(title, []string{"day", "attempts", ""}, len(days), func(i int) []string {
			d := days[i]
			n := 0
			if max > 0 {
				n = int(d.Attempts * 40 / max)
			}
			return []string{d.Time.UTC().Format("2006-01-02 Mon"), group(d.Attempts), strings.Repeat("█", n)}
		})
	}
	textAlerts(p, s.Alerts, s.AlertsFound, o)
	textCampaigns(p, s, o)
	textBans(p, &s.Bans, o)
	keyed("Top source ports (chosen at random by clients)", "port", s.TopPorts)
	p.f("\n%s\n", p.paint(sgrDim, Definition))
	if len(s.GeoIPSources) > 0 {
		p.f("\nGeoIP data: %s\n", Safe(strings.Join(s.GeoIPSources, "; ")))
		p.f("Countries are where the addresses are located (not where they are registered), where the data tells.\n")
		for _, a := range s.GeoIPAttributed {
			p.f("%s\n", Safe(a)) // a user's .mmdb metadata may say anything
		}
	}
	return p.err
}

// blocked prints what sshd (and PAM) blocked by itself: drops and
// penalties by reason, the addresses penalised most, and lockouts. None of
// it is counted in attempts, connections or scans.
func blocked(p *printer, s *knocks.Summary, zone *time.Location) {
	if s.Dropped == 0 && len(s.Penalties) == 0 && len(s.TopPenalised) == 0 && s.Lockouts == 0 {
		return
	}
	p.f("\nBlocked by sshd itself (OpenSSH 9.8+ PerSourcePenalties, MaxStartups; not counted above)\n")
	p.f("  %-16s %s\n", "Dropped conns", group(s.Dropped))
	p.f("  %-16s %s\n", "Lockouts", group(s.Lockouts))
	if len(s.Penalties) > 0 {
		p.table("Drops and penalties by reason", []string{"reason", "drops", "penalties", "addresses"}, len(s.Penalties), func(i int) []string {
			r := s.Penalties[i]
			return []string{Safe(r.Reason), group(r.Drops), group(r.Penalties), group(r.Addresses)}
		})
	}
	if len(s.TopPenalised) > 0 {
		p.table("Addresses penalised most", []string{"ip", "drops", "penalties", "first seen", "last seen"}, len(s.TopPenalised), func(i int) []string {
			a := s.TopPenalised[i]
			return []string{Safe(a.IP), group(a.Drops), group(a.Penalties), day(a.First, zone), day(a.Last, zone)}
		})
	}
	if len(s.TopLockedUsers) > 0 {
		p.table("Accounts locked (pam_faillock)", []string{"user", "lockouts"}, len(s.TopLockedUsers), func(i int) []string {
			u := s.TopLockedUsers[i]
			return []string{Safe(u.User), group(u.Lockouts)}
		})
	}
}

type printer struct {
	w     io.Writer
	err   error
	color bool
}

// paint puts the SGR sequence sgr around text when colour is on. text is
// already safe: knocks adds these codes, never the data.
func (p *printer) paint(sgr, text string) string {
	if !p.color || text == "" {
		return text
	}
	return sgr + text + sgrReset
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// table prints a title and aligned columns; the first column is left
// aligned, numbers right aligned. Cells are already made safe.
func (p *printer) table(title string, head []string, n int, row func(int) []string) {
	rows := make([][]string, 0, n+1)
	rows = append(rows, head)
	for i := 0; i < n; i++ {
		rows = append(rows, row(i))
	}
	width := make([]int, len(head))
	for _, r := range rows {
		for i, c := range r {
			if l := displayWidth(c); l > width[i] {
				width[i] = min(l, 48)
			}
		}
	}
	p.f("\n%s\n", p.paint(sgrCyan, title))
	for ri, r := range rows {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range r {
			c = clip(c, 48)
			pad := strings.Repeat(" ", max(0, width[i]-displayWidth(c)))
			if ri == 0 {
				c = p.paint(sgrBold, c)
			}
			if i > 0 {
				b.WriteString("  ")
			}
			if i == 0 || isText(head[i]) {
				b.WriteString(c)
				if i < len(r)-1 {
					b.WriteString(pad)
				}
			} else {
				b.WriteString(pad)
				b.WriteString(c)
			}
		}
		p.f("%s\n", strings.TrimRight(b.String(), " "))
	}
}

func isText(h string) bool {
	switch h {
	case "attempts", "share", "ips", "drops", "penalties", "addresses", "lockouts", "bans", "unbans", "restores":
		return false
	}
	return true
}

func displayWidth(s string) int { return len([]rune(s)) }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func country(code string, flags bool) string {
	if code == "" {
		return "-"
	}
	if f := knocks.Flag(code); flags && f != "" {
		return f + " " + Safe(code)
	}
	return Safe(code)
}

// Count returns n with its thousands grouped and the noun that fits it:
// Count(1, "address", "addresses") is "1 address", Count(1200, ...) is
// "1,200 addresses".
func Count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return group(n) + " " + many
}

func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

func day(t time.Time, zone *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(zone).Format("2006-01-02")
}

// ts formats a time in RFC 3339 in its own zone (UTC unless the caller
// chose another).
func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func itoa(n int64) string   { return strconv.FormatInt(n, 10) }
func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }

func maxi(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// lastDays returns the last n days of a per-day series.
func lastDays(days []knocks.TimeCount, n int) []knocks.TimeCount {
	if len(days) > n {
		return days[len(days)-n:]
	}
	return days
}
