package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"knocks"
)

// magic is the first 16 bytes of every SQLite 3 database file.
const magic = "SQLite format 3\x00"

// IsDatabase reports whether the file at path is an SQLite 3 database, by
// its first 16 bytes. It reports false for anything it cannot read.
func IsDatabase(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(magic))
	if _, err := io.ReadFull(f, b); err != nil {
		return false
	}
	return bytes.Equal(b, []byte(magic))
}

// fail2banChunk is how many bans ReadFail2ban passes at a time.
const fail2banChunk = 5000

// ReadFail2ban reads the bans of fail2ban's own database (usually
// /var/lib/fail2ban/fail2ban.sqlite3), opened read-only, and passes them
// to f in chunks, in the order of their time: one knocks.KindF2BBan event
// per row of its bans table (jail, ip, timeofban, and bantime and bancount
// where the version of fail2ban writes them), with host as their host.
// Rows without a valid address are skipped and counted in the returned
// number. Returns EINVALID when the file is not a database of fail2ban.
func ReadFail2ban(ctx context.Context, path, host string, f func([]knocks.Fail2banEvent) error) (skipped int64, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, fmt.Errorf("cannot open fail2ban db: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		return 0, fmt.Errorf("cannot open fail2ban db: %w", err)
	}
	params := url.Values{}
	params.Set("mode", "ro")
	params.Add("_pragma", "busy_timeout(5000)")
	params.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: abs}).EscapedPath()+"?"+params.Encode())
	if err != nil {
		return 0, fmt.Errorf("cannot open fail2ban db: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	cols := map[string]bool{}
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info('bans')")
	if err != nil {
		return 0, knocks.Errorf(knocks.EINVALID, "%s is not a fail2ban database: %v", path, err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, fmt.Errorf("cannot read fail2ban db: %w", err)
		}
		cols[strings.ToLower(name)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("cannot read fail2ban db: %w", err)
	}
	if !cols["jail"] || !cols["ip"] || !cols["timeofban"] {
		return 0, knocks.Errorf(knocks.EINVALID, "%s is not a fail2ban database (no bans table with jail, ip and timeofban)", path)
	}
	// fail2ban 0.9 and 0.10 have no bantime or bancount columns.
	bantime, bancount := "0", "0"
	if cols["bantime"] {
		bantime = "COALESCE(bantime, 0)"
	}
	if cols["bancount"] {
		bancount = "COALESCE(bancount, 0)"
	}
	rows, err = db.QueryContext(ctx, "SELECT COALESCE(jail, ''), COALESCE(ip, ''), timeofban, "+bantime+", "+bancount+
		" FROM bans ORDER BY timeofban")
	if err != nil {
		return 0, fmt.Errorf("cannot read fail2ban db: %w", err)
	}
	defer rows.Close()
	chunk := make([]knocks.Fail2banEvent, 0, fail2banChunk)
	for rows.Next() {
		var jail, ip string
		var at, bt, bc int64
		if err := rows.Scan(&jail, &ip, &at, &bt, &bc); err != nil {
			return skipped, fmt.Errorf("cannot read fail2ban db: %w", err)
		}
		a, err := netip.ParseAddr(strings.TrimSpace(ip))
		if err != nil {
			skipped++
			continue
		}
		if bt == 0 || bt < -1 {
			bt = 0
		}
		chunk = append(chunk, knocks.Fail2banEvent{Time: time.Unix(at, 0).UTC(), Kind: knocks.KindF2BBan, Host: host,
			Jail: jail, IP: a.Unmap(), BanTime: bt, BanCount: max(bc, 0)})
		if len(chunk) == fail2banChunk {
			if err := f(chunk); err != nil {
				return skipped, err
			}
			chunk = chunk[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return skipped, fmt.Errorf("cannot read fail2ban db: %w", err)
	}
	if len(chunk) > 0 {
		if err := f(chunk); err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}
