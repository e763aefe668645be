package web

import (
	"context"
	"net/http"
	"time"

	"knocks"
)

// Drill is the answer of a drill-down endpoint (/api/ip/IP, /api/user/NAME,
// /api/country/CC, /api/asn/N, /api/subnet/PREFIX): what one address, user
// name, country, network or subnet did, within the other filters of the
// query. docs/api.md documents it.
type Drill struct {
	Kind         string             `json:"kind"`
	Key          string             `json:"key"`
	Attempts     int64              `json:"attempts"`
	Connections  int64              `json:"connections"`
	Scans        int64              `json:"scans"`
	Logins       int64              `json:"logins"`
	EverLoggedIn bool               `json:"ever_logged_in"`
	First        time.Time          `json:"first"`
	Last         time.Time          `json:"last"`
	Geo          *Geo               `json:"geo,omitempty"`
	PerDay       []knocks.TimeCount `json:"per_day"`
	PerHour      []knocks.TimeCount `json:"per_hour"`
	Users        []knocks.UserCount `json:"users"`
	IPs          []knocks.IPCount   `json:"ips"`
	Subnets      []knocks.KeyCount  `json:"subnets"`
	Ports        []knocks.KeyCount  `json:"ports"`
	Hosts        []knocks.KeyCount  `json:"hosts"`
	Countries    []knocks.GeoCount  `json:"countries"`
	ASNs         []knocks.ASNCount  `json:"asns"`
	// Bans is what fail2ban or SSHGuard banned of the selection, joined
	// with its attempts: the report's bans object under the same filter.
	Bans knocks.Bans `json:"bans"`
}

// Geo is where one address is, as stored.
type Geo struct {
	Country string `json:"country,omitempty"`
	ASN     uint32 `json:"asn,omitempty"`
	Org     string `json:"org,omitempty"`
}

// drill returns the handler of one kind of drill-down.
func (s *Server) drill(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.PathValue("key")
		q := r.URL.Query()
		q.Set(kind, key)
		f, ok := s.checkedFilter(w, r, q)
		if !ok {
			return
		}
		if key == "" {
			http.Error(w, "missing "+kind, http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		res, err := s.get(ctx, f)
		if err != nil {
			s.fail(w, err)
			return
		}
		writeJSON(w, newDrill(kind, key, res.sum))
	}
}

func newDrill(kind, key string, sum *knocks.Summary) *Drill {
	d := &Drill{
		Kind: kind, Key: key,
		Attempts: sum.Attempts, Connections: sum.Connections, Scans: sum.Scans, Logins: sum.Logins,
		EverLoggedIn: sum.Logins > 0, First: sum.First, Last: sum.Last,
		PerDay: sum.PerDay, PerHour: sum.PerHour, Users: sum.TopUsers, IPs: sum.TopIPs,
		Subnets: sum.TopSubnets, Ports: sum.TopPorts, Hosts: sum.TopHosts,
		Countries: sum.TopCountries, ASNs: sum.TopASNs, Bans: sum.Bans,
	}
	if kind == "ip" && len(sum.TopIPs) > 0 {
		ip := sum.TopIPs[0]
		d.Geo = &Geo{Country: ip.Country, ASN: ip.ASN, Org: ip.Org}
	}
	return d
}
