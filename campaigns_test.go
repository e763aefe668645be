package knocks_test

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"knocks"
	"knocks/storetest"
)

// rows is a CampaignSource over connections in memory: it sorts them as a
// store's SQL would.
type rows struct {
	conns []row
}

type row struct {
	ip         string
	asn        uint32
	start, end time.Time
	attempts   int64
	user       string // "-": none
}

func (s rows) CampaignRows(ctx context.Context, f knocks.Filter, q knocks.CampaignQuery, fn func(*knocks.CampaignRow) error) error {
	var out []knocks.CampaignRow
	for _, c := range s.conns {
		if c.attempts == 0 {
			continue
		}
		ip := netip.MustParseAddr(c.ip)
		r := knocks.CampaignRow{IP: ip, Subnet: storetest.Subnet(ip), ASN: c.asn, Start: c.start, End: c.end,
			Attempts: c.attempts, User: strings.TrimPrefix(c.user, "-"), HasUser: c.user != "-"}
		if c.asn != 0 {
			r.Org = orgOf(c.asn, ip)
		}
		out = append(out, r)
	}
	switch q.Order {
	case knocks.ByAddressTime:
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].IP != out[j].IP {
				return out[i].IP.Less(out[j].IP)
			}
			return out[i].Start.Before(out[j].Start)
		})
	case knocks.BySubnetTime:
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].Subnet != out[j].Subnet {
				return out[i].Subnet < out[j].Subnet
			}
			return out[i].Start.Before(out[j].Start)
		})
	case knocks.ByASNAddress:
		out = slices.DeleteFunc(out, func(r knocks.CampaignRow) bool { return r.ASN == 0 })
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].ASN != out[j].ASN {
				return out[i].ASN < out[j].ASN
			}
			return out[i].IP.String() < out[j].IP.String() // SQLite orders the text
		})
	case knocks.ByUserList:
		by := map[netip.Addr]*knocks.CampaignRow{}
		names := map[netip.Addr]map[string]bool{}
		for _, r := range out {
			if !r.HasUser {
				continue
			}
			if by[r.IP] == nil {
				by[r.IP], names[r.IP] = &knocks.CampaignRow{IP: r.IP, Start: r.Start, End: r.End}, map[string]bool{}
			}
			b := by[r.IP]
			b.Attempts += r.Attempts
			b.Start, b.End = minTime(b.Start, r.Start), maxTime(b.End, r.End)
			names[r.IP][r.User] = true
		}
		out = nil
		for ip, b := range by {
			for u := range names[ip] {
				b.Users = append(b.Users, u)
			}
			sort.Strings(b.Users)
			if len(b.Users) >= q.MinUsers && len(b.Users) <= q.MaxUsers {
				out = append(out, *b)
			}
		}
		sort.Slice(out, func(i, j int) bool {
			if c := slices.Compare(out[i].Users, out[j].Users); c != 0 {
				return c < 0
			}
			return out[i].IP.Less(out[j].IP)
		})
	}
	for i := range out {
		if err := fn(&out[i]); err != nil {
			return err
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// every returns n connections of ip, one every step from start, each
// lasting dur with attempts attempts as user.
func every(ip string, n int, start time.Time, step, dur time.Duration, attempts int64, user string) []row {
	var out []row
	for i := 0; i < n; i++ {
		s := start.Add(time.Duration(i) * step)
		out = append(out, row{ip: ip, start: s, end: s.Add(dur), attempts: attempts, user: user})
	}
	return out
}

func join(ls ...[]row) []row { return slices.Concat(ls...) }

// describe is a campaign in one line: reason, key, addresses, attempts,
// the period from t0, names.
func describe(c knocks.Campaign) string {
	key := c.Subnet
	if c.ASN != 0 {
		key = "AS" + strconv.FormatUint(uint64(c.ASN), 10)
	}
	return fmt.Sprintf("%s %s %s %s/%d %d %v-%v %q/%d", c.Kind, c.Reason, key, strings.Join(c.IPs, ","), c.IPCount, c.Attempts,
		c.Start.Sub(t0), c.End.Sub(t0), c.Users, c.UserCount)
}

func TestFindCampaigns(t *testing.T) {
	asn := func(rs []row, n uint32) []row {
		for i := range rs {
			rs[i].asn = n
		}
		return rs
	}
	groupOf := func(prefix string, n int, users ...string) []row {
		var out []row
		for i := 1; i <= n; i++ {
			for j, u := range users {
				s := t0.Add(time.Duration(i)*time.Hour + time.Duration(j)*time.Minute)
				out = append(out, row{ip: prefix + strconv.Itoa(i), start: s, end: s.Add(time.Second), attempts: 1, user: u})
			}
		}
		return out
	}
	tests := []struct {
		Name  string
		Input []row
		Opts  knocks.CampaignOptions
		Top   int
		Want  []string
		Found int64
		Err   string
	}{
		{
			Name:  "one address, 1,960 attempts in 1 h 15 min",
			Input: every("198.51.100.9", 392, t0, 11*time.Second+500*time.Millisecond, 10*time.Second, 5, "root"),
			Want:  []string{`burst address  198.51.100.9/1 1960 0s-1h15m6.5s ["root"]/1`},
		},
		{
			Name:  "below the threshold",
			Input: every("198.51.100.9", 33, t0, time.Minute, 0, 3, "root"),
			Want:  nil,
		},
		{
			Name:  "exactly the threshold",
			Input: every("198.51.100.9", 20, t0, time.Minute, 0, 5, "root"),
			Want:  []string{`burst address  198.51.100.9/1 100 0s-19m0s ["root"]/1`},
		},
		{
			Name:  "a gap of exactly 5 min does not split",
			Input: every("198.51.100.9", 20, t0, 5*time.Minute, 0, 5, "root"),
			Want:  []string{`burst address  198.51.100.9/1 100 0s-1h35m0s ["root"]/1`},
		},
		{
			Name:  "a gap longer than 5 min splits: two halves too small",
			Input: join(every("198.51.100.9", 10, t0, time.Minute, 0, 5, "root"), every("198.51.100.9", 10, t0.Add(15*time.Minute), time.Minute, 0, 5, "root")),
			Want:  nil,
		},
		{
			Name:  "the gap counts from the end of the longest connection so far",
			Input: join(every("198.51.100.9", 1, t0, 0, 20*time.Minute, 50, "root"), every("198.51.100.9", 1, t0.Add(time.Minute), 0, 0, 1, "x"), every("198.51.100.9", 1, t0.Add(24*time.Minute), 0, time.Minute, 50, "admin")),
			Want:  []string{`burst address  198.51.100.9/1 101 0s-25m0s ["admin" "root" "x"]/3`},
		},
		{
			Name:  "a wider gap option joins",
			Input: join(every("198.51.100.9", 10, t0, time.Minute, 0, 5, "root"), every("198.51.100.9", 10, t0.Add(15*time.Minute), time.Minute, 0, 5, "root")),
			Opts:  knocks.CampaignOptions{Gap: 10 * time.Minute},
			Want:  []string{`burst address  198.51.100.9/1 100 0s-24m0s ["root"]/1`},
		},
		{
			Name:  "two bursts of one address",
			Input: join(every("198.51.100.9", 20, t0, time.Minute, 0, 5, "root"), every("198.51.100.9", 30, t0.Add(2*time.Hour), time.Minute, 0, 5, "admin")),
			Want:  []string{`burst address  198.51.100.9/1 150 2h0m0s-2h29m0s ["admin"]/1`, `burst address  198.51.100.9/1 100 0s-19m0s ["root"]/1`},
		},
		{
			Name: "a subnet of two addresses, neither a burst alone",
			Input: join(every("203.0.113.1", 30, t0, 2*time.Minute, 0, 2, "root"),
				every("203.0.113.200", 30, t0.Add(time.Minute), 2*time.Minute, 0, 2, "admin"),
				every("203.0.114.1", 30, t0.Add(time.Minute), 2*time.Minute, 0, 2, "admin")),
			Want: []string{`burst subnet 203.0.113.0/24 203.0.113.1,203.0.113.200/2 120 0s-59m0s ["admin" "root"]/2`},
		},
		{
			Name:  "a subnet burst of one address is not reported twice",
			Input: every("2001:db8::1", 30, t0, time.Minute, 0, 5, "-"),
			Want:  []string{`burst address  2001:db8::1/1 150 0s-29m0s []/0`},
		},
		{
			Name:  "an address burst inside a larger subnet burst",
			Input: join(every("2001:db8::1", 30, t0, time.Minute, 0, 5, "root"), every("2001:db8::2", 1, t0.Add(10*time.Minute), 0, 0, 1, "root")),
			Want: []string{`burst subnet 2001:db8::/64 2001:db8::1,2001:db8::2/2 151 0s-29m0s ["root"]/1`,
				`burst address  2001:db8::1/1 150 0s-29m0s ["root"]/1`},
		},
		{
			Name:  "ten addresses with the same list of names",
			Input: join(groupOf("192.0.2.", 10, "oracle", "postgres"), groupOf("198.51.100.", 9, "git", "deploy")),
			Want:  []string{`group same_users  192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,192.0.2.5,192.0.2.6,192.0.2.7,192.0.2.8,192.0.2.9,192.0.2.10/10 20 1h0m0s-10h1m1s ["oracle" "postgres"]/2`},
		},
		{
			Name:  "one name is not a list",
			Input: groupOf("192.0.2.", 30, "root"),
			Want:  nil,
		},
		{
			Name:  "names that would collide if joined with a separator",
			Input: join(groupOf("192.0.2.", 5, "a\x00b", "c"), groupOf("198.51.100.", 5, "a", "b\x00c")),
			Opts:  knocks.CampaignOptions{MinIPs: 6},
			Want:  nil,
		},
		{
			Name:  "one AS over eleven addresses",
			Input: asn(groupOf("192.0.2.", 11, "root"), 64500),
			Want:  []string{`group asn AS64500 192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,192.0.2.5,192.0.2.6,192.0.2.7,192.0.2.8,192.0.2.9,192.0.2.10/11 11 1h0m0s-11h0m1s ["root"]/1`},
		},
		{
			Name:  "an AS of nine addresses is no group",
			Input: asn(groupOf("192.0.2.", 9, "root"), 64500),
			Want:  nil,
		},
		{
			Name: "top 1 of each kind, all counted",
			Input: join(every("198.51.100.9", 20, t0, time.Minute, 0, 5, "root"), every("203.0.113.10", 30, t0, time.Minute, 0, 5, "root"),
				asn(groupOf("192.0.2.", 11, "root"), 64500), asn(groupOf("192.0.3.", 12, "root"), 64501)),
			Top: 1,
			Want: []string{`burst address  203.0.113.10/1 150 0s-29m0s ["root"]/1`,
				`group asn AS64501 192.0.3.1,192.0.3.2,192.0.3.3,192.0.3.4,192.0.3.5,192.0.3.6,192.0.3.7,192.0.3.8,192.0.3.9,192.0.3.10/12 12 1h0m0s-12h0m1s ["root"]/1`},
			Found: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			srcs := []knocks.CampaignSource{rows{tt.Input}}
			if !slices.ContainsFunc(tt.Input, func(r row) bool { return r.start.Nanosecond() != 0 || r.end.Nanosecond() != 0 }) {
				srcs = append(srcs, &scanned{rows: rows{tt.Input}}) // stores keep whole seconds
			}
			for _, src := range srcs {
				got, err := knocks.FindCampaigns(context.Background(), src, knocks.Filter{Top: tt.Top}, tt.Opts)
				if tt.Err != "" {
					if err == nil || !strings.Contains(err.Error(), tt.Err) {
						t.Fatalf("%T: err = %v, want %q", src, err, tt.Err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.List == nil {
					t.Errorf("%T: List is nil: JSON null instead of []", src)
				}
				var d []string
				for _, c := range got.List {
					d = append(d, describe(c))
				}
				if !slices.Equal(d, tt.Want) {
					t.Errorf("%T: got\n%s\nwant\n%s", src, strings.Join(d, "\n"), strings.Join(tt.Want, "\n"))
				}
				found := tt.Found
				if found == 0 {
					found = int64(len(tt.Want))
				}
				if got.Found != found {
					t.Errorf("%T: Found = %d, want %d", src, got.Found, found)
				}
				if sc, ok := src.(*scanned); ok && sc.streams != 0 {
					t.Errorf("the one pass read %d sorted streams, want none", sc.streams)
				}
			}
		})
	}
}

// unordered is a source whose rows of one address go back in time.
type unordered struct{}

func (unordered) CampaignRows(ctx context.Context, f knocks.Filter, q knocks.CampaignQuery, fn func(*knocks.CampaignRow) error) error {
	ip := netip.MustParseAddr("192.0.2.1")
	for _, s := range []time.Time{t0.Add(time.Minute), t0} {
		if err := fn(&knocks.CampaignRow{IP: ip, Subnet: "192.0.2.0/24", Start: s, End: s, Attempts: 1}); err != nil {
			return err
		}
	}
	return nil
}

func TestFindCampaignsOrder(t *testing.T) {
	_, err := knocks.FindCampaigns(context.Background(), unordered{}, knocks.Filter{}, knocks.CampaignOptions{})
	if knocks.ErrorCode(err) != knocks.EINTERNAL || !strings.Contains(err.Error(), "out of order") {
		t.Errorf("err = %v, want rows out of order", err)
	}
}

// TestFindCampaignsBounded feeds one burst of more distinct names and one
// /64 of more distinct addresses than a campaign tracks: the counts stop
// at the bound, say so, and every attempt is still counted.
func TestFindCampaignsBounded(t *testing.T) {
	var in []row
	for i := 0; i < 3*knocks.MaxCampaignTracked; i++ {
		s := t0.Add(time.Duration(i) * time.Second)
		in = append(in, row{ip: fmt.Sprintf("2001:db8::%x", i+1), start: s, end: s, attempts: 1, user: "u" + strconv.Itoa(i)})
	}
	for _, src := range []knocks.CampaignSource{rows{in}, &scanned{rows: rows{in}}} {
		got, err := knocks.FindCampaigns(context.Background(), src, knocks.Filter{}, knocks.CampaignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.List) != 1 {
			t.Fatalf("%T: campaigns = %+v, want one subnet burst", src, got.List)
		}
		c := got.List[0]
		if c.Attempts != 3*knocks.MaxCampaignTracked || c.IPCount != knocks.MaxCampaignTracked || c.UserCount != knocks.MaxCampaignTracked ||
			!c.Capped || len(c.IPs) != knocks.MaxCampaignIPs || len(c.Users) != knocks.MaxCampaignUsers {
			t.Errorf("%T: campaign = %s capped %v", src, describe(c), c.Capped)
		}
	}
}

// orgOf is the AS organisation of an address in the tests: none for odd
// AS numbers and for some addresses, and not the same for every address
// of an AS (the first in text order names the group).
func orgOf(asn uint32, ip netip.Addr) string {
	b := ip.As16()
	if asn%2 == 1 || b[15]%4 == 0 {
		return ""
	}
	return fmt.Sprintf("Org %d/%d", asn, b[15])
}

// scanned is rows that also stream their connections in one pass (a
// knocks.CampaignScanner): by start time, as the SQLite store streams
// them, or as they are. It counts the sorted streams read.
type scanned struct {
	rows
	asIs     bool
	streams  int      // CampaignRows calls
	asnAgain []uint32 // the ASes of the CampaignRows calls with Filter.ASN set
}

func (s *scanned) CampaignRows(ctx context.Context, f knocks.Filter, q knocks.CampaignQuery, fn func(*knocks.CampaignRow) error) error {
	s.streams++
	if f.ASN != 0 {
		s.asnAgain = append(s.asnAgain, f.ASN)
		var in []row
		for _, c := range s.conns {
			if c.asn == f.ASN {
				in = append(in, c)
			}
		}
		return rows{in}.CampaignRows(ctx, f, q, fn)
	}
	return s.rows.CampaignRows(ctx, f, q, fn)
}

func (s *scanned) CampaignConns(ctx context.Context, f knocks.Filter, fn func(*knocks.CampaignConn) error) error {
	in := s.conns
	if !s.asIs {
		in = slices.Clone(in)
		slices.SortStableFunc(in, func(a, b row) int { return a.start.Compare(b.start) })
	}
	for _, c := range in {
		if c.attempts == 0 {
			continue
		}
		if err := fn(&knocks.CampaignConn{IP: c.ip, Start: c.start.Unix(), End: c.end.Unix(), Attempts: c.attempts,
			User: strings.TrimPrefix(c.user, "-"), HasUser: c.user != "-"}); err != nil {
			return err
		}
	}
	return nil
}

func (s *scanned) CampaignASNs(ctx context.Context, fn func(ip string, asn uint32, org string) error) error {
	seen := map[string]bool{}
	for _, c := range s.conns {
		if c.asn != 0 && !seen[c.ip] {
			seen[c.ip] = true
			if err := fn(c.ip, c.asn, orgOf(c.asn, netip.MustParseAddr(c.ip))); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestFindCampaignsScan compares the one pass of FindCampaigns with the
// sorted streams on generated connections: in time order (the pass is
// used), with more than MaxCampaignTracked names in one AS (whose group is
// read again from its stream); as two logs read one after the other (the
// pass gives way to the streams where an address or subnet goes back in
// time); and past the bound of keys.
func TestFindCampaignsScan(t *testing.T) {
	var in []row
	for _, c := range storetest.Generate(12_000, 5, t0) {
		if !c.IP.IsValid() {
			continue
		}
		r := row{ip: c.IP.String(), start: c.Start, end: c.End, attempts: c.Attempts(), user: "-"}
		if c.HasUser {
			r.user = c.User
		}
		if b := c.IP.As16(); b[15]%3 != 0 { // two in three addresses located, half of them in one AS
			r.asn = 64500 + uint32(b[14]%2)*uint32(b[13]%9)
		}
		in = append(in, r)
	}
	opts := []knocks.CampaignOptions{
		{},
		{MinAttempts: 5, Gap: 30 * time.Minute},
		{MinAttempts: 30, Gap: 3 * time.Hour, MinIPs: 2, MinUsers: 1, MaxUsers: 3},
		{MinAttempts: 1, Gap: time.Second, MinIPs: 3, MinUsers: 2, MaxUsers: 40},
	}
	for _, c := range []struct {
		Name    string
		AsIs    bool
		MaxKeys int
		Pass    bool // the one pass is used
	}{
		{"time order", false, 0, true},
		{"two logs, one after the other", true, 0, false},
		{"past the bound of keys", false, 100, false},
	} {
		t.Run(c.Name, func(t *testing.T) {
			if c.MaxKeys > 0 {
				defer knocks.SetCampaignScanMaxKeys(c.MaxKeys)()
			}
			for _, o := range opts {
				f := knocks.Filter{Top: 500}
				want, err := knocks.FindCampaigns(context.Background(), rows{in}, f, o)
				if err != nil {
					t.Fatal(err)
				}
				src := &scanned{rows: rows{in}, asIs: c.AsIs}
				if c.AsIs { // every other connection first, as if from another host's log
					src.conns = nil
					for i := range 2 {
						for j := i; j < len(in); j += 2 {
							src.conns = append(src.conns, in[j])
						}
					}
				}
				got, err := knocks.FindCampaigns(context.Background(), src, f, o)
				if err != nil {
					t.Fatal(err)
				}
				if pass := src.streams == len(src.asnAgain); pass != c.Pass {
					t.Errorf("options %+v: the one pass used %v, want %v (%d streams)", o, pass, c.Pass, src.streams)
				}
				if !reflect.DeepEqual(got, want) {
					for i := range min(len(got.List), len(want.List)) {
						if !reflect.DeepEqual(got.List[i], want.List[i]) {
							t.Errorf("campaign %d\n%+v\nwant\n%+v", i, got.List[i], want.List[i])
							break
						}
					}
					t.Fatalf("options %+v: %d campaigns (%d found), want %d (%d found)", o, len(got.List), got.Found, len(want.List), want.Found)
				}
				if o.MinAttempts == 0 && c.Pass && len(src.asnAgain) == 0 {
					t.Errorf("no AS with more than %d names: the groups read again are not tested", knocks.MaxCampaignTracked)
				}
				if len(want.List) < 5 {
					t.Errorf("options %+v: only %d campaigns: the data tests little", o, len(want.List))
				}
			}
		})
	}
}

// TestFindCampaignsScanKeys checks the bound of what the one pass holds:
// the addresses, subnets and user names count together, so that
// connections that each bring a new address, subnet and name (what an
// attacker chooses) leave the work to the streams three times sooner than
// connections of new addresses alone; the campaigns are the same either
// way.
func TestFindCampaignsScanKeys(t *testing.T) {
	for _, c := range []struct {
		Name  string
		Conns int
		New   bool // each connection from its own /24 as its own user name
		Pass  bool
	}{
		{"new addresses in one subnet, one user", 280, false, true},
		{"new address, subnet and user each", 120, true, false},
		{"few enough new keys", 90, true, true},
	} {
		t.Run(c.Name, func(t *testing.T) {
			defer knocks.SetCampaignScanMaxKeys(300)()
			var in []row
			for i := range c.Conns {
				r := row{ip: fmt.Sprintf("198.51.100.%d", i%250+1), start: t0.Add(time.Duration(i) * time.Second), attempts: 6, user: "root"}
				if i >= 250 {
					r.ip = fmt.Sprintf("2001:db8::%x", i)
				}
				if c.New {
					r.ip, r.user = fmt.Sprintf("10.%d.%d.1", i/250, i%250), fmt.Sprintf("u%d", i)
				}
				r.end = r.start
				in = append(in, r)
			}
			o := knocks.CampaignOptions{MinAttempts: 5, Gap: time.Hour}
			f := knocks.Filter{Top: 50}
			want, err := knocks.FindCampaigns(context.Background(), rows{in}, f, o)
			if err != nil {
				t.Fatal(err)
			}
			src := &scanned{rows: rows{in}}
			got, err := knocks.FindCampaigns(context.Background(), src, f, o)
			if err != nil {
				t.Fatal(err)
			}
			if pass := src.streams == 0; pass != c.Pass {
				t.Errorf("the one pass used %v, want %v (%d streams)", pass, c.Pass, src.streams)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("campaigns differ from the streams':\n%+v\nwant\n%+v", got, want)
			}
			if want.Found == 0 {
				t.Errorf("no campaign: the data tests little")
			}
		})
	}
}

func TestAppendHexNames(t *testing.T) {
	for _, c := range []struct {
		Name, In string
		Want     []string
		Err      bool
	}{
		{"two names", "61646d696e,726f6f74", []string{"admin", "root"}, false},
		{"the empty name", ",726f6f74", []string{"", "root"}, false},
		{"a comma and an escape in a name", "612c621b5b33316d", []string{"a,b\x1b[31m"}, false},
		{"not hex", "zz", nil, true},
	} {
		got, err := knocks.AppendHexNames(nil, c.In)
		if (err != nil) != c.Err || !c.Err && !slices.Equal(got, c.Want) {
			t.Errorf("%s: AppendHexNames(%q) = %q, %v; want %q", c.Name, c.In, got, err, c.Want)
		}
	}
}

// BenchmarkFindCampaigns finds the campaigns of 25,000 generated
// connections in memory, by the one pass and by the sorted streams (the
// rows sorted as a store's SQL would): the cost of the rules themselves,
// without a store's reading.
func BenchmarkFindCampaigns(b *testing.B) {
	var in []row
	for _, c := range storetest.Generate(25_000, 5, t0) {
		if c.IP.IsValid() {
			r := row{ip: c.IP.String(), start: c.Start, end: c.End, attempts: c.Attempts(), user: "-", asn: 64500 + uint32(c.IP.As16()[15]%50)}
			if c.HasUser {
				r.user = c.User
			}
			in = append(in, r)
		}
	}
	slices.SortStableFunc(in, func(a, b row) int { return a.start.Compare(b.start) })
	for _, bc := range []struct {
		name string
		src  knocks.CampaignSource
	}{{"pass", &scanned{rows: rows{in}}}, {"streams", rows{in}}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := knocks.FindCampaigns(context.Background(), bc.src, knocks.Filter{}, knocks.CampaignOptions{MinAttempts: 20}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(in)), "ns/conn")
		})
	}
}
