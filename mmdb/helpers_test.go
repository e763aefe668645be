// mmdbwriter, which builds these tests' databases, does not compile for
// 32-bit platforms.

//go:build !(386 || arm || mips || mipsle)

package mmdb

import (
	"bytes"
	"compress/gzip"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// spec describes a small database that a test builds with mmdbwriter.
type spec struct {
	Type        string // metadata database_type
	IPVersion   int    // 4 or 6
	Description string // English description
	Reserved    bool   // allow reserved networks (and disable IPv4 aliasing)
	Epoch       int64  // build epoch; 0 gives a fixed date
	Nets        []entry
}

type entry struct {
	CIDR string
	Rec  mmdbtype.Map
}

// build writes the database to dir/name and returns its path.
func build(t testing.TB, dir, name string, s spec) string {
	t.Helper()
	b := buildBytes(t, s)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// buildBytes returns the database as bytes.
func buildBytes(t testing.TB, s spec) []byte {
	t.Helper()
	epoch := s.Epoch
	if epoch == 0 {
		epoch = 1763337600 // 2025-11-17
	}
	ipv := s.IPVersion
	if ipv == 0 {
		ipv = 6
	}
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            s.Type,
		Description:             map[string]string{"en": s.Description},
		IPVersion:               ipv,
		RecordSize:              24,
		BuildEpoch:              epoch,
		IncludeReservedNetworks: s.Reserved,
		DisableIPv4Aliasing:     s.Reserved,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range s.Nets {
		_, n, err := net.ParseCIDR(e.CIDR)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, e.Rec); err != nil {
			t.Fatalf("insert %s: %v", e.CIDR, err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func names(en string) mmdbtype.Map {
	return mmdbtype.Map{"en": mmdbtype.String(en), "de": mmdbtype.String(en + " (de)")}
}

// mmCity is a record in MaxMind's nested layout. Empty arguments leave
// their part out; a city without coordinates gets none when lat and lon
// are both 0 and noCoords is set.
type mmCity struct {
	Country, Registered, City, Subdivision, SubdivisionName string
	Lat, Lon                                                float64
	NoCoords                                                bool
}

func (c mmCity) rec() mmdbtype.Map {
	m := mmdbtype.Map{
		"continent": mmdbtype.Map{"code": mmdbtype.String("EU"), "geoname_id": mmdbtype.Uint32(6255148), "names": names("Europe")},
	}
	if c.Country != "" {
		m["country"] = mmdbtype.Map{"geoname_id": mmdbtype.Uint32(1), "iso_code": mmdbtype.String(c.Country), "names": names("Country " + c.Country)}
	}
	if c.Registered != "" {
		m["registered_country"] = mmdbtype.Map{"geoname_id": mmdbtype.Uint32(2), "iso_code": mmdbtype.String(c.Registered), "names": names("Country " + c.Registered)}
	}
	if c.City != "" {
		m["city"] = mmdbtype.Map{"geoname_id": mmdbtype.Uint32(3), "names": names(c.City)}
	}
	if c.Subdivision != "" || c.SubdivisionName != "" {
		sub := mmdbtype.Map{"geoname_id": mmdbtype.Uint32(4)}
		if c.Subdivision != "" {
			sub["iso_code"] = mmdbtype.String(c.Subdivision)
		}
		if c.SubdivisionName != "" {
			sub["names"] = names(c.SubdivisionName)
		}
		m["subdivisions"] = mmdbtype.Slice{sub, mmdbtype.Map{"iso_code": mmdbtype.String("XX")}}
	}
	if !c.NoCoords {
		m["location"] = mmdbtype.Map{
			"accuracy_radius": mmdbtype.Uint16(20),
			"latitude":        mmdbtype.Float64(c.Lat),
			"longitude":       mmdbtype.Float64(c.Lon),
			"time_zone":       mmdbtype.String("Europe/London"),
		}
	}
	return m
}

// asnRec is a GeoLite2-ASN style record (also the flat layout's).
func asnRec(n uint32, org string) mmdbtype.Map {
	return mmdbtype.Map{
		"autonomous_system_number":       mmdbtype.Uint32(n),
		"autonomous_system_organization": mmdbtype.String(org),
	}
}
