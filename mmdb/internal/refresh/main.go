//go:build !(386 || arm || mips || mipsle)

// Command refresh regenerates the data that package mmdb embeds. It is run
// by scripts/refresh-geoip.sh and is not part of the knocks binary.
//
//	refresh asn -out FILE -epoch N -desc TEXT asn-ipv4.csv asn-ipv6.csv
//	    converts the CSV files of the npm package @ip-location-db/asn
//	    (ip_range_start,ip_range_end,asn,organisation) into one MaxMind DB
//	    file with GeoLite2-ASN style records.
//	refresh countries -out FILE en.json
//	    writes the Go table of English country names from the langs/en.json
//	    file of the npm package i18n-iso-countries.
//	refresh manifest -out FILE -country-version V -asn-version V -date D country.mmdb asn.mmdb
//	    writes data/geoip/manifest.go: versions and metadata of the
//	    embedded files, so knocks can name them without decompressing them.
//
// mmdbwriter does not compile for 32-bit platforms; nor does this command.
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"net/netip"
	"os"
	"sort"
	"strconv"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/oschwald/maxminddb-golang/v2"
	"go4.org/netipx"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("refresh: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: refresh asn|countries|manifest [flags] FILE...")
	}
	var err error
	switch os.Args[1] {
	case "asn":
		err = asnCmd(os.Args[2:])
	case "countries":
		err = countriesCmd(os.Args[2:])
	case "manifest":
		err = manifestCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// asnCmd converts the ip-location-db ASN CSV files into a MaxMind DB.
//
// Networks that are reserved or aliased in an IPv6 tree (private ranges,
// documentation prefixes, 6to4, ...) are dropped: knocks classifies those
// addresses before any lookup. Every distinct (number, organisation) pair
// is stored once, and the writer stores repeated strings once.
func asnCmd(args []string) error {
	fs := flag.NewFlagSet("asn", flag.ExitOnError)
	out := fs.String("out", "asn.mmdb", "output file")
	epoch := fs.Int64("epoch", 0, "build time as a Unix epoch (0: now)")
	desc := fs.String("desc", "", "English description stored in the metadata")
	_ = fs.Parse(args)
	if fs.NArg() == 0 {
		return errors.New("asn: no CSV files")
	}
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: "ip-location-db-ASN",
		Description:  map[string]string{"en": *desc},
		BuildEpoch:   *epoch,
		RecordSize:   24,
		IPVersion:    6,
	})
	if err != nil {
		return err
	}
	records := map[string]mmdbtype.Map{}
	var rows, dropped int
	for _, name := range fs.Args() {
		n, d, err := loadASN(tree, records, name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rows += n
		dropped += d
	}
	if err := writeFile(*out, tree.WriteTo); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "refresh asn: %d rows, %d distinct records, %d networks dropped (reserved or aliased)\n",
		rows, len(records), dropped)
	return nil
}

// loadASN inserts the rows of one CSV file and returns how many rows it
// read and how many networks it dropped.
func loadASN(tree *mmdbwriter.Tree, records map[string]mmdbtype.Map, name string) (rows, dropped int, err error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.FieldsPerRecord = 4
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, dropped, nil
		}
		if err != nil {
			return rows, dropped, err
		}
		rows++
		start, err := netip.ParseAddr(rec[0])
		if err != nil {
			return rows, dropped, fmt.Errorf("row %d: %w", rows, err)
		}
		end, err := netip.ParseAddr(rec[1])
		if err != nil {
			return rows, dropped, fmt.Errorf("row %d: %w", rows, err)
		}
		asn, err := strconv.ParseUint(rec[2], 10, 32)
		if err != nil {
			return rows, dropped, fmt.Errorf("row %d: %w", rows, err)
		}
		key := rec[2] + "\x00" + rec[3]
		value, ok := records[key]
		if !ok {
			value = mmdbtype.Map{
				"autonomous_system_number":       mmdbtype.Uint32(asn),
				"autonomous_system_organization": mmdbtype.String(rec[3]),
			}
			records[key] = value
		}
		rng := netipx.IPRangeFrom(start, end)
		if !rng.IsValid() {
			return rows, dropped, fmt.Errorf("row %d: invalid range %s-%s", rows, start, end)
		}
		for _, p := range rng.Prefixes() {
			err := tree.Insert(netipx.PrefixIPNet(p), value)
			var reserved *mmdbwriter.ReservedNetworkError
			var aliased *mmdbwriter.AliasedNetworkError
			switch {
			case errors.As(err, &reserved), errors.As(err, &aliased):
				dropped++
			case err != nil:
				return rows, dropped, fmt.Errorf("row %d: %w", rows, err)
			}
		}
	}
}

// countriesCmd writes the Go table of English country names.
//
// i18n-iso-countries gives some countries several names; the first is the
// official one (its getName default), and that is the one kept.
func countriesCmd(args []string) error {
	fs := flag.NewFlagSet("countries", flag.ExitOnError)
	out := fs.String("out", "countries_table.go", "output file")
	source := fs.String("source", "i18n-iso-countries", "package name and version, for the header")
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("countries: want one en.json")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var doc struct {
		Locale    string                     `json:"locale"`
		Countries map[string]json.RawMessage `json:"countries"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("countries: %w", err)
	}
	if doc.Locale != "en" || len(doc.Countries) < 200 {
		return fmt.Errorf("countries: unexpected file (locale %q, %d countries)", doc.Locale, len(doc.Countries))
	}
	codes := make([]string, 0, len(doc.Countries))
	for c := range doc.Countries {
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return fmt.Errorf("countries: bad code %q", c)
		}
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by mmdb/internal/refresh from %s langs/en.json (MIT licence, see NOTICE); DO NOT EDIT.\n\n", *source)
	b.WriteString("package mmdb\n\n")
	b.WriteString("// countryNames holds the English name of each ISO 3166-1 alpha-2 code, at\n")
	b.WriteString("// index (first letter - 'A') * 26 + (second letter - 'A').\n")
	b.WriteString("var countryNames = [26 * 26]string{\n")
	for _, c := range codes {
		var name string
		raw := doc.Countries[c]
		if err := json.Unmarshal(raw, &name); err != nil {
			var names []string
			if err := json.Unmarshal(raw, &names); err != nil || len(names) == 0 {
				return fmt.Errorf("countries: %s: want a name or a list of names", c)
			}
			name = names[0]
		}
		fmt.Fprintf(&b, "\t%d: %q, // %s\n", int(c[0]-'A')*26+int(c[1]-'A'), name, c)
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return err
	}
	return os.WriteFile(*out, src, 0o644)
}

// manifestCmd writes data/geoip/manifest.go.
func manifestCmd(args []string) error {
	fs := flag.NewFlagSet("manifest", flag.ExitOnError)
	out := fs.String("out", "manifest.go", "output file")
	cver := fs.String("country-version", "", "version of @ip-location-db/geo-whois-asn-country-mmdb")
	aver := fs.String("asn-version", "", "version of @ip-location-db/asn")
	date := fs.String("date", "", "date of the refresh (YYYY-MM-DD)")
	_ = fs.Parse(args)
	if fs.NArg() != 2 || *cver == "" || *aver == "" || *date == "" {
		return errors.New("manifest: want -country-version, -asn-version, -date and two .mmdb files")
	}
	var meta [2]maxminddb.Metadata
	for i, name := range fs.Args() {
		r, err := maxminddb.Open(name)
		if err != nil {
			return fmt.Errorf("manifest: %s: %w", name, err)
		}
		// A full walk: every network and its record must decode. (Verify is
		// stricter than the format and rejects the empty description map
		// of the ip-location-db files.)
		n := 0
		for res := range r.Networks() {
			var v any
			if err := res.Decode(&v); err != nil {
				return fmt.Errorf("manifest: %s: %w", name, err)
			}
			n++
		}
		fmt.Fprintf(os.Stderr, "refresh manifest: %s: %s, %d networks, %d nodes\n",
			name, r.Metadata.DatabaseType, n, r.Metadata.NodeCount)
		meta[i] = r.Metadata
		r.Close()
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by mmdb/internal/refresh (scripts/refresh-geoip.sh); DO NOT EDIT.\n\n")
	b.WriteString("package geoip\n\n")
	b.WriteString("// What the embedded files are, so that knocks can name them without\n// decompressing them. See data/README.md.\n")
	b.WriteString("const (\n")
	b.WriteString("\t// Refreshed is the date the embedded files were fetched and built.\n")
	fmt.Fprintf(&b, "\tRefreshed = %q\n\n", *date)
	b.WriteString("\t// CountryVersion is the version of @ip-location-db/geo-whois-asn-country-mmdb.\n")
	fmt.Fprintf(&b, "\tCountryVersion = %q\n", *cver)
	b.WriteString("\t// CountryBuildEpoch is the build time (Unix seconds) in the metadata of Country.\n")
	fmt.Fprintf(&b, "\tCountryBuildEpoch = %d\n", meta[0].BuildEpoch)
	b.WriteString("\t// CountryDatabaseType is the database type in the metadata of Country.\n")
	fmt.Fprintf(&b, "\tCountryDatabaseType = %q\n\n", meta[0].DatabaseType)
	b.WriteString("\t// ASNVersion is the version of @ip-location-db/asn that ASN was built from.\n")
	fmt.Fprintf(&b, "\tASNVersion = %q\n", *aver)
	b.WriteString("\t// ASNBuildEpoch is the build time (Unix seconds) in the metadata of ASN.\n")
	fmt.Fprintf(&b, "\tASNBuildEpoch = %d\n", meta[1].BuildEpoch)
	b.WriteString("\t// ASNDatabaseType is the database type in the metadata of ASN.\n")
	fmt.Fprintf(&b, "\tASNDatabaseType = %q\n", meta[1].DatabaseType)
	b.WriteString(")\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return err
	}
	return os.WriteFile(*out, src, 0o644)
}

// writeFile writes a file through a buffer and syncs it.
func writeFile(name string, write func(io.Writer) (int64, error)) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := write(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
