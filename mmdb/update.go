package mmdb

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"

	"knocks"
	"knocks/internal/atomicfile"
)

// DBIPBaseURL is where DB-IP publishes its free monthly databases.
const DBIPBaseURL = "https://download.db-ip.com/free"

// UpdateFile is the name Update gives the DB-IP City Lite database in its
// directory; DefaultSearchDirs finds it there.
const UpdateFile = "dbip-city-lite.mmdb"

// Limits of a download: DB-IP City Lite is about 60 MB compressed and
// 130 MB uncompressed; anything far larger is not it.
const (
	maxCompressed   = 1 << 30
	maxUncompressed = 4 << 30
)

// minUpdateNodes is the fewest search tree nodes a downloaded City database
// may have (the real one has millions); tests lower it.
var minUpdateNodes uint = 100_000

// Update downloads the monthly DB-IP City Lite database (free, CC BY 4.0,
// no account) from baseURL (DBIPBaseURL when "") as
// dbip-city-lite-YYYY-MM.mmdb.gz for the month of now (UTC), or for the
// month before when that is not published yet (404), and installs it as
// dir/UpdateFile. client may be nil for http.DefaultClient.
//
// The download is decompressed into a temporary file in dir and checked
// before it replaces the old file: the gzip stream must be intact (its
// CRC), the file must open as a MaxMind DB whose database_type is a City
// database, have a plausible number of search tree nodes, and locate a
// sample of addresses without error. Only then is it synced and renamed
// over the old file, so a failed or corrupt download leaves the old file
// as it was. Update returns the path of the installed file.
//
// Returns ENOTFOUND when neither month is published, EINVALID when the
// download is not a sound City database, and EINTERNAL for a failed
// download or file system error; a cancelled ctx returns its error.
func Update(ctx context.Context, client *http.Client, baseURL string, dir string, now time.Time) (path string, err error) {
	if client == nil {
		client = http.DefaultClient
	}
	if baseURL == "" {
		baseURL = DBIPBaseURL
	}
	baseURL = strings.TrimRight(baseURL, "/")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", knocks.Errorf(knocks.EINTERNAL, "cannot create %s: %v", dir, err)
	}
	now = now.UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var tried []string
	for _, m := range []time.Time{month, month.AddDate(0, -1, 0)} {
		url := fmt.Sprintf("%s/dbip-city-lite-%s.mmdb.gz", baseURL, m.Format("2006-01"))
		tried = append(tried, url)
		tmp, err := download(ctx, client, url, dir)
		if errors.Is(err, errNotPublished) {
			continue
		}
		if err != nil {
			return "", err
		}
		path, err := install(tmp, filepath.Join(dir, UpdateFile))
		if err != nil {
			os.Remove(tmp)
			return "", err
		}
		return path, nil
	}
	return "", knocks.Errorf(knocks.ENOTFOUND, "no DB-IP City Lite database published at %s", strings.Join(tried, " or "))
}

// errNotPublished is a 404 for a month's file.
var errNotPublished = errors.New("not published")

// download fetches url and writes it, decompressed, into a new temporary
// file in dir, and returns that file's name.
func download(ctx context.Context, client *http.Client, url, dir string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", knocks.Errorf(knocks.EINVALID, "bad download URL %s: %v", url, err)
	}
	req.Header.Set("User-Agent", "knocks (geoip update)")
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("cannot download %s: %w", url, ctx.Err())
		}
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // not "Get URL: ..." after the URL once more
		}
		var dns *net.DNSError
		if errors.As(err, &dns) {
			return "", knocks.Errorf(knocks.EINTERNAL, "cannot download %s: cannot resolve %s (is this machine offline?)", url, dns.Name)
		}
		return "", knocks.Errorf(knocks.EINTERNAL, "cannot download %s: %v", url, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return "", errNotPublished
	case resp.StatusCode != http.StatusOK:
		return "", knocks.Errorf(knocks.EINTERNAL, "cannot download %s: %s", url, resp.Status)
	}
	f, err := atomicfile.CreateTemp(dir, ".dbip-city-lite-*.tmp")
	if err != nil {
		return "", knocks.Errorf(knocks.EINTERNAL, "cannot create a file in %s: %v", dir, err)
	}
	name := f.Name()
	fail := func(e error) (string, error) {
		f.Close()
		os.Remove(name)
		if ctx.Err() != nil {
			return "", fmt.Errorf("cannot download %s: %w", url, ctx.Err())
		}
		return "", e
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(io.LimitReader(resp.Body, maxCompressed), 1<<16))
	if err != nil {
		return fail(knocks.Errorf(knocks.EINVALID, "download %s is not gzip data: %v", url, err))
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, err := io.Copy(w, io.LimitReader(zr, maxUncompressed+1))
	if err != nil {
		return fail(knocks.Errorf(knocks.EINVALID, "download %s is damaged: %v", url, err))
	}
	if n > maxUncompressed {
		return fail(knocks.Errorf(knocks.EINVALID, "download %s is too large", url))
	}
	if err := zr.Close(); err != nil {
		return fail(knocks.Errorf(knocks.EINVALID, "download %s is damaged: %v", url, err))
	}
	if err := w.Flush(); err != nil {
		return fail(knocks.Errorf(knocks.EINTERNAL, "cannot write %s: %v", name, err))
	}
	if err := f.Sync(); err != nil {
		return fail(knocks.Errorf(knocks.EINTERNAL, "cannot write %s: %v", name, err))
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", knocks.Errorf(knocks.EINTERNAL, "cannot write %s: %v", name, err)
	}
	return name, nil
}

// install checks the database in tmp and renames it to dst.
func install(tmp, dst string) (string, error) {
	if err := checkCity(tmp); err != nil {
		return "", knocks.Errorf(knocks.EINVALID, "the downloaded database is not usable, %s is unchanged: %v", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", knocks.Errorf(knocks.EINTERNAL, "cannot install %s: %v", dst, err)
	}
	// Make the rename durable.
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync()
		d.Close()
	}
	return dst, nil
}

// checkCity checks that a file is a sound City database.
func checkCity(name string) error {
	r, err := maxminddb.Open(name)
	if err != nil {
		return err
	}
	defer r.Close()
	m := r.Metadata
	if kindOf(m.DatabaseType) != KindCity {
		return fmt.Errorf("database type %q is not a City database", m.DatabaseType)
	}
	if m.IPVersion != 6 {
		return fmt.Errorf("IP version %d, want 6", m.IPVersion)
	}
	if m.NodeCount < minUpdateNodes {
		return fmt.Errorf("only %d search tree nodes", m.NodeCount)
	}
	// Look up a spread of addresses: each must decode, and some must have
	// a country.
	located := 0
	for i := range 4096 {
		ip := netip.AddrFrom4([4]byte{byte(i >> 4), byte(i << 4), 1, 1})
		if Classify(ip) != "" {
			continue
		}
		res := r.Lookup(ip)
		if err := res.Err(); err != nil {
			return err
		}
		if !res.Found() {
			continue
		}
		var rec record
		if err := res.Decode(&rec); err != nil {
			return err
		}
		if rec.country != "" {
			located++
		}
	}
	if located == 0 {
		return errors.New("it locates none of the sampled addresses")
	}
	return nil
}
