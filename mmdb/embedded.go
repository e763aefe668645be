package mmdb

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"

	"knocks"
	"knocks/data/geoip"
	"knocks/internal/atomicfile"
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

// embeddedLoaders holds one loader of the embedded data per cache
// directory, so that a process decompresses the data at most once.
var (
	embeddedMu      sync.Mutex
	embeddedLoaders = map[string]func() ([]*database, error){}
)

// loadEmbedded returns the embedded databases (country, then ASN), opened
// once per process and cache directory, or nil when the binary has none.
// With a cacheDir, the decompressed files are kept there and memory-mapped
// by later processes, which then pay nothing to open them (see
// Config.CacheDir).
func loadEmbedded(cacheDir string) ([]*database, error) {
	embeddedMu.Lock()
	load, ok := embeddedLoaders[cacheDir]
	if !ok {
		load = sync.OnceValues(func() ([]*database, error) {
			if !embeddedAvailable() {
				return nil, nil
			}
			dbs, err := openEmbedded(cacheDir)
			if err != nil {
				return nil, &knocks.Error{Code: knocks.EINTERNAL, Message: fmt.Sprintf("cannot load the embedded GeoIP data: %v", err)}
			}
			return dbs, nil
		})
		embeddedLoaders[cacheDir] = load
	}
	embeddedMu.Unlock()
	return load()
}

// openEmbedded decompresses and opens the embedded databases, the two at
// the same time, or opens their decompressed copies in cacheDir.
func openEmbedded(cacheDir string) ([]*database, error) {
	descs := embeddedDatabases()
	blobs := [][]byte{geoip.Country, geoip.ASN}
	cached := []string{"", ""}
	if cacheDir != "" {
		cached[0] = filepath.Join(cacheDir, "embedded-country-"+geoip.CountryVersion+".mmdb")
		cached[1] = filepath.Join(cacheDir, "embedded-asn-"+geoip.ASNVersion+".mmdb")
	}
	dbs := make([]*database, len(blobs))
	errs := make([]error, len(blobs))
	var wg sync.WaitGroup
	for i := range blobs {
		wg.Go(func() {
			r, err := openCached(cached[i], blobs[i], descs[i])
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

// openCached opens the decompressed copy of an embedded database at path
// when it is there and is the same data (same build time and type);
// otherwise it opens the blob and, best effort, writes the decompressed
// copy to path for later processes. path "" means no cache.
func openCached(path string, blob []byte, d Database) (*maxminddb.Reader, error) {
	if path == "" {
		return openBlob(blob)
	}
	if r, err := maxminddb.Open(path); err == nil {
		if int64(r.Metadata.BuildEpoch) == d.Built.Unix() && r.Metadata.DatabaseType == d.Type {
			return r, nil
		}
		r.Close()
	}
	b, err := gunzip(blob)
	if err != nil {
		return nil, err
	}
	r, err := maxminddb.OpenBytes(b)
	if err != nil {
		return nil, err
	}
	_ = writeCache(path, b) // a cache that cannot be written only costs time
	return r, nil
}

// writeCache writes b to path through a temporary file in the same
// directory, so that a reader never sees half a file. The file gets the
// permissions that the umask gives a new file.
func writeCache(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, func(f *os.File) error {
		_, err := f.Write(b)
		return err
	})
}

// openBlob opens a MaxMind DB held in memory, gunzipping it first when it
// is compressed.
func openBlob(b []byte) (*maxminddb.Reader, error) {
	b, err := gunzip(b)
	if err != nil {
		return nil, err
	}
	return maxminddb.OpenBytes(b)
}

// gunzip returns b decompressed when it is gzip, else b.
func gunzip(b []byte) ([]byte, error) {
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
	return b, nil
}
