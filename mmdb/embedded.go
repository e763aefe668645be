package mmdb

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"

	"knocks"
	"knocks/data/geoip"
)

// The names under which the embedded databases appear in Databases.
const (
	embeddedCountryName = "embedded:ip-location-db/geo-whois-asn-country@" + geoip.CountryVersion
	embeddedASNName     = "embedded:ip-location-db/asn@" + geoip.ASNVersion
)

// embeddedAvailable reports whether the binary carries the embedded data
// (it does unless built with the tag knocks_nogeoip).
func embeddedAvailable() bool { return len(geoip.Country) > 0 && len(geoip.ASN) > 0 }

// embeddedDatabases describes the embedded databases from the manifest,
// without decompressing them.
func embeddedDatabases() []Database {
	return []Database{{
		Name:        embeddedCountryName,
		Type:        geoip.CountryDatabaseType,
		Kind:        KindCountry,
		Built:       time.Unix(geoip.CountryBuildEpoch, 0).UTC(),
		IPVersion:   6,
		Embedded:    true,
		Attribution: AttributionEmbeddedCountry,
	}, {
		Name:        embeddedASNName,
		Type:        geoip.ASNDatabaseType,
		Kind:        KindASN,
		Built:       time.Unix(geoip.ASNBuildEpoch, 0).UTC(),
		IPVersion:   6,
		Embedded:    true,
		Attribution: AttributionEmbeddedASN + "\n" + AttributionDBIP,
	}}
}

// loadEmbedded returns the embedded databases (country, then ASN),
// decompressed and opened once per process, or nil when the binary has
// none.
var loadEmbedded = sync.OnceValues(func() ([]*database, error) {
	if !embeddedAvailable() {
		return nil, nil
	}
	dbs, err := openEmbedded()
	if err != nil {
		return nil, &knocks.Error{Code: knocks.EINTERNAL, Message: fmt.Sprintf("cannot load the embedded GeoIP data: %v", err)}
	}
	return dbs, nil
})

// openEmbedded decompresses and opens the embedded databases, the two at
// the same time.
func openEmbedded() ([]*database, error) {
	descs := embeddedDatabases()
	blobs := [][]byte{geoip.Country, geoip.ASN}
	dbs := make([]*database, len(blobs))
	errs := make([]error, len(blobs))
	var wg sync.WaitGroup
	for i := range blobs {
		wg.Go(func() {
			r, err := openBlob(blobs[i])
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", descs[i].Name, err)
				return
			}
			dbs[i] = &database{Database: descs[i], r: r}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return dbs, nil
}

// openBlob opens a MaxMind DB held in memory, gunzipping it first when it
// is compressed.
func openBlob(b []byte) (*maxminddb.Reader, error) {
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		// The uncompressed size is in the gzip trailer (mod 2^32).
		n := uint32(b[len(b)-4]) | uint32(b[len(b)-3])<<8 | uint32(b[len(b)-2])<<16 | uint32(b[len(b)-1])<<24
		if n < 1<<30 {
			buf.Grow(int(n) + bytes.MinRead)
		}
		if _, err := io.Copy(&buf, zr); err != nil {
			return nil, err
		}
		if err := zr.Close(); err != nil {
			return nil, err
		}
		b = buf.Bytes()
	}
	return maxminddb.OpenBytes(b)
}
