package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"knocks"

	msqlite "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Compile-time checks that EventStore implements the domain interfaces.
var (
	_ knocks.EventStore = (*EventStore)(nil)
	_ knocks.GeoStore   = (*EventStore)(nil)
)

//go:embed migration/*.sql
var migrationFS embed.FS

// Memory is the path that opens a private in-memory database, for one-shot
// reports and tests. It lives as long as the EventStore.
const Memory = ":memory:"

// busyTimeout is how long a statement waits for a lock held by another
// connection or process before it fails.
const busyTimeout = 30 * time.Second

// pageSize is the page size of a new database: larger than SQLite's
// default of 4096, as the connections table grows at its end and reports
// scan it, so that fewer, larger reads and writes move the same data.
const pageSize = 16384

// EventStore is a knocks.EventStore and knocks.GeoStore backed by one
// SQLite database file. It is safe for concurrent use.
type EventStore struct {
	// Now returns the current time; it stamps checkpoints, locations and
	// summaries. Open sets it to time.Now; tests may replace it before use.
	Now func() time.Time

	db   *sql.DB
	path string
}

// Open opens the database at path, creating the file and its parent
// directory when needed, and brings its schema up to date. The path Memory
// (":memory:") opens a private in-memory database.
func Open(ctx context.Context, path string) (*EventStore, error) {
	if path == "" {
		return nil, knocks.Errorf(knocks.EINVALID, "no database path given")
	}
	s := &EventStore{Now: time.Now, path: path}
	params := url.Values{}
	params.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Add("_pragma", "temp_store(MEMORY)")
	params.Add("_pragma", "cache_size(-2000)")
	params.Set("_txlock", "immediate")
	var dsn string
	if path == Memory {
		dsn = ":memory:?" + params.Encode()
	} else {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("cannot open db: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
			return nil, fmt.Errorf("cannot open db: %w", err)
		}
		s.path = abs
		dsn = "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + params.Encode()
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open db: %w", err)
	}
	if path == Memory {
		// Every connection to ":memory:" is a database of its own.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(4)
	}
	db.SetConnMaxIdleTime(time.Minute)
	s.db = db
	// The page size of a new database must be set before WAL mode writes
	// its first page; both settings persist in the file.
	for _, pragma := range []string{"PRAGMA page_size = " + strconv.Itoa(pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := db.ExecContext(ctx, pragma); err != nil {
			db.Close()
			return nil, fmt.Errorf("cannot open db %s: %w", path, err)
		}
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot open db %s: %w", path, err)
	}
	return s, nil
}

// Path returns the absolute path of the database file, or Memory.
func (s *EventStore) Path() string { return s.path }

// DB returns the underlying database handle, for tests and maintenance.
// Writing through it bypasses the rules that EventStore keeps.
func (s *EventStore) DB() *sql.DB { return s.db }

// Close lets SQLite refresh its query planner statistics and closes the
// database.
func (s *EventStore) Close() error {
	_, _ = s.db.Exec("PRAGMA optimize")
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("cannot close db: %w", err)
	}
	return nil
}

// now returns the store's current time in UTC.
func (s *EventStore) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// read runs f in a read transaction on one connection: every query of f
// sees the same snapshot of the database, whatever an importer commits
// meanwhile.
func (s *EventStore) read(ctx context.Context, f func(*sql.Conn) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return err
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			// The transaction may still be open: the connection must
			// not go back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return f(conn)
}

// migration is one embedded schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. Their names start
// with their version: 0001_init.sql is version 1.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migration/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := filepath.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with its version", base)
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version that this package writes: the number
// of embedded migrations.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate applies the migrations that the database has not seen, each in
// its own transaction, and records the version in PRAGMA user_version.
func (s *EventStore) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("cannot read migrations: %w", err)
	}
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("cannot read schema version: %w", err)
	}
	if v > len(ms) {
		return knocks.Errorf(knocks.EINVALID, "the database has schema version %d, newer than this knocks knows (%d): upgrade knocks", v, len(ms))
	}
	for _, m := range ms[v:] {
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration in a transaction, unless another process
// applied it first.
func (s *EventStore) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot migrate to version %d: %w", m.version, err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("cannot read schema version: %w", err)
	}
	if v >= m.version {
		return nil // applied by a process that opened the database at the same time
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("cannot migrate to version %d (%s): %w", m.version, m.name, err)
	}
	// PRAGMA takes no parameters; the version is an integer we made.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return fmt.Errorf("cannot migrate to version %d: %w", m.version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot migrate to version %d: %w", m.version, err)
	}
	return nil
}

// isConstraint reports whether err is a constraint violation (a CHECK,
// NOT NULL or foreign key) reported by SQLite.
func isConstraint(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}
