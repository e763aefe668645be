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
	"strconv"
	"strings"
	"syscall"
	"time"

	"knocks"
	"knocks/internal/migration"

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

	db       *sql.DB
	path     string
	readOnly bool     // opened by OpenReadOnly
	lockFile *os.File // the database file opened by LockImport, closed by Close
	roll     rollupMem
}

// ApplicationID is the value of PRAGMA application_id that marks an SQLite
// file as a knocks database: the bytes "knok" (0x6b6e6f6b). Open refuses a
// file that holds another program's tables; it sets the mark on a new
// database, and on one that knocks made before it set the mark.
const ApplicationID = 0x6b6e6f6b

// dsnParams returns the connection parameters shared by every open.
func dsnParams() url.Values {
	params := url.Values{}
	params.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Add("_pragma", "temp_store(MEMORY)")
	// 512 KiB of pages: a write touches the right edge of each B-tree
	// and little else, and each cached page of 16 KiB is a mapping of
	// its own in modernc's allocator (see openReadOnly); an import of 1M
	// lines took 9% less CPU time and 9 MiB less memory than with 2 MiB.
	params.Add("_pragma", "cache_size(-512)")
	return params
}

// fileDSN returns the DSN of the database file at the absolute path abs.
func fileDSN(abs string, params url.Values) string {
	return "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + params.Encode()
}

// Open opens the database at path for reading and writing, creating the
// file and its parent directory when needed, and brings its schema up to
// date. The path Memory (":memory:") opens a private in-memory database.
// It returns EINVALID for a file that is not a knocks database (another
// program's SQLite file, or not SQLite at all).
func Open(ctx context.Context, path string) (*EventStore, error) {
	if path == "" {
		return nil, knocks.Errorf(knocks.EINVALID, "no database path given")
	}
	s := &EventStore{Now: time.Now, path: path}
	params := dsnParams()
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
		dsn = fileDSN(abs, params)
		if err := checkWritable(abs); err != nil {
			return nil, err
		}
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
	if err := checkOwner(ctx, db, s.path); err != nil {
		db.Close()
		if readOnlyDirectory(err) {
			return nil, openError(s.path, err)
		}
		return nil, err
	}
	// The page size of a new database must be set before WAL mode writes
	// its first page; both settings persist in the file.
	for _, pragma := range []string{"PRAGMA page_size = " + strconv.Itoa(pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := db.ExecContext(ctx, pragma); err != nil {
			db.Close()
			return nil, openError(s.path, err)
		}
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, openError(s.path, err)
	}
	// PRAGMA takes no parameters; the value is our constant.
	if _, err := db.ExecContext(ctx, "PRAGMA application_id = "+strconv.Itoa(ApplicationID)); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot open db %s: %w", path, err)
	}
	return s, nil
}

// OpenReadOnly opens the knocks database at path for reading: reports use
// it, so that they work on a database that they may not write (in a
// read-only directory, or another user's file). It never creates the file,
// and makes no -wal or -shm file where none may be made.
//
// It opens the file with SQLite's mode=ro, which reads a database while an
// importer writes it. Where that cannot work (a database in WAL mode whose
// -shm file is absent and cannot be made, as in a directory that the
// reader may not write), it opens the file as immutable: SQLite then takes
// no locks and reads the file as it is, which is right as long as no
// importer writes it meanwhile.
//
// A file without any table yet (empty, or being made by a first import)
// is read as an empty store, without writing to it. A schema older than
// this package reads is brought up to date through Open when the file may
// be written; else OpenReadOnly returns EINVALID
// with the advice to run an import. It returns ENOTFOUND when there is no
// file at path, and EINVALID for a file that is not a knocks database or
// whose schema is newer than this package knows.
func OpenReadOnly(ctx context.Context, path string) (*EventStore, error) {
	if path == "" || path == Memory {
		return nil, knocks.Errorf(knocks.EINVALID, "no database path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open db: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, knocks.Errorf(knocks.ENOTFOUND, "no database at %s", path)
		}
		return nil, fmt.Errorf("cannot open db: %w", err)
	}
	s, err := openReadOnly(ctx, abs)
	if errors.Is(err, errNoSchema) {
		// An empty file, or one whose first import is making its
		// tables: it holds no events yet, and is not to be written.
		return Open(ctx, Memory)
	}
	if !errors.Is(err, errOldSchema) {
		return s, err
	}
	w, werr := Open(ctx, abs)
	if werr != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return openReadOnly(ctx, abs)
}

// errNoSchema is the error of a database without any knocks table.
var errNoSchema = errors.New("no knocks schema")

// errOldSchema is the error of a database whose schema is older than this
// package reads.
var errOldSchema = knocks.Errorf(knocks.EINVALID, "the database was made by an older knocks: run `knocks ingest` once as a user who may write it, to bring it up to date")

// openReadOnly opens the database file abs with mode=ro, else as
// immutable, and checks that it is a knocks database of the schema this
// package reads.
func openReadOnly(ctx context.Context, abs string) (*EventStore, error) {
	var firstErr error
	for _, immutable := range []bool{false, true} {
		params := url.Values{}
		params.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
		params.Add("_pragma", "query_only(1)")
		params.Add("_pragma", "temp_store(MEMORY)")
		// A reader goes through rollups and packs about once each, so a
		// small page cache (16 pages) does: each cached page of 16 KiB is
		// a mapping of its own in modernc's allocator, made and unmapped
		// one by one (2 MiB of them took 70 ms to free at the end of a
		// report; a report over 10M lines took about a tenth less CPU
		// time with 256 KiB).
		params.Add("_pragma", "cache_size(-256)")
		params.Set("mode", "ro")
		if immutable {
			params.Set("immutable", "1")
		}
		db, err := sql.Open("sqlite", fileDSN(abs, params))
		if err != nil {
			return nil, fmt.Errorf("cannot open db: %w", err)
		}
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(4)
		db.SetConnMaxIdleTime(time.Minute)
		err = checkOwner(ctx, db, abs)
		if err == nil {
			err = checkVersion(ctx, db)
		}
		if err == nil {
			return &EventStore{Now: time.Now, db: db, path: abs, readOnly: true}, nil
		}
		db.Close()
		var ke *knocks.Error
		if errors.As(err, &ke) {
			return nil, err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("cannot open db %s for reading: %w", abs, firstErr)
}

// checkWritable refuses an existing database file that this user may not
// write, before SQLite opens it: SQLite would first make the -wal and -shm
// files beside it, owned by this user, and leave them there, where they
// would stop the imports of the file's owner. It refuses too a -wal or
// -shm file that this user may not write (another user's report left it,
// in a directory that both may write): SQLite would refuse every write
// with "attempt to write a readonly database".
func checkWritable(abs string) error {
	f, err := os.OpenFile(abs, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			why := "this user may not write it"
			if errors.Is(err, syscall.EROFS) {
				why = "it is on a read-only file system"
			}
			return fmt.Errorf("cannot open db: %w", knocks.Errorf(knocks.EINVALID,
				"%s cannot be written: %s; run this command as its owner (or with sudo); `knocks report` reads it without writing", abs, why))
		}
		return nil // a new file, or one SQLite reports on
	}
	f.Close()
	for _, side := range []string{"-shm", "-wal"} {
		f, err := os.OpenFile(abs+side, os.O_RDWR, 0)
		if err == nil {
			f.Close()
		} else if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("cannot open db: %w", knocks.Errorf(knocks.EINVALID,
				"%s%s belongs to another user (left by a report that user ran) and this user may not write it; remove it as root or as that user, then run again (and keep the database in a directory that only its owner may write)", abs, side))
		}
	}
	return nil
}

// checkOwner returns EINVALID unless the database of db is a knocks
// database: one marked with ApplicationID, one that an older knocks made
// (no mark, but knocks' tables and schema version), or one without any
// table (a new or empty file).
func checkOwner(ctx context.Context, db *sql.DB, path string) error {
	var id int64
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		if isNotADB(err) {
			return fmt.Errorf("cannot open db: %w", knocks.Errorf(knocks.EINVALID, "%s is not a knocks database (not an SQLite file); give another --db", path))
		}
		return fmt.Errorf("cannot open db %s: %w", path, err)
	}
	if id == ApplicationID {
		return nil
	}
	if id != 0 {
		return fmt.Errorf("cannot open db: %w", knocks.Errorf(knocks.EINVALID, "%s is not a knocks database (it belongs to another program: application_id %#x); give another --db", path, uint32(id)))
	}
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
	if err != nil {
		return fmt.Errorf("cannot open db %s: %w", path, err)
	}
	defer rows.Close()
	tables := map[string]bool{}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("cannot open db %s: %w", path, err)
		}
		tables[name] = true
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot open db %s: %w", path, err)
	}
	if len(names) == 0 {
		return nil // a new database
	}
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("cannot open db %s: %w", path, err)
	}
	if v >= 1 && tables["connections"] && tables["checkpoints"] && tables["imports"] && tables["ip_geo"] {
		return nil // made by a knocks that did not mark its databases yet
	}
	if len(names) > 5 {
		names = append(names[:5], "...")
	}
	return fmt.Errorf("cannot open db: %w", knocks.Errorf(knocks.EINVALID, "%s is not a knocks database (it holds another program's tables: %s); give another --db", path, strings.Join(names, ", ")))
}

// checkVersion returns errOldSchema or EINVALID unless the schema of db
// is the one this package writes: a reader does not migrate.
func checkVersion(ctx context.Context, db *sql.DB) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("cannot read schema version: %w", err)
	}
	switch want := SchemaVersion(); {
	case v == 0:
		return errNoSchema
	case v > want:
		return knocks.Errorf(knocks.EINVALID, "the database has schema version %d, newer than this knocks knows (%d): upgrade knocks", v, want)
	case v < want:
		return errOldSchema
	}
	return nil
}

// isNotADB reports whether err says that a file is not an SQLite database.
// openError wraps an error of Open; SQLite's "attempt to write a readonly
// database" for a directory that this user may not write, where SQLite
// keeps the -wal and -shm files, is said in words.
func openError(path string, err error) error {
	if readOnlyDirectory(err) {
		return fmt.Errorf("cannot open db: %w", knocks.Errorf(knocks.EINVALID,
			"this user may not write the directory of %s, where SQLite keeps its -wal and -shm files beside the database; run this command as a user who may (or with sudo); `knocks report` reads it without writing", path))
	}
	return fmt.Errorf("cannot open db %s: %w", path, err)
}

// readOnlyDirectory reports whether err is SQLite's for a directory that
// it may not make files in.
func readOnlyDirectory(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_READONLY_DIRECTORY
}

func isNotADB(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_NOTADB
}

// Path returns the absolute path of the database file, or Memory.
func (s *EventStore) Path() string { return s.path }

// DB returns the underlying database handle, for tests and maintenance.
// Writing through it bypasses the rules that EventStore keeps.
func (s *EventStore) DB() *sql.DB { return s.db }

// Close lets SQLite refresh its query planner statistics, closes the
// database and releases the importer's lock (see LockImport).
func (s *EventStore) Close() error {
	if !s.readOnly {
		// Sums of written connections that wait in memory go to the
		// rollup tables (see rollup.go). Should that fail, nothing is
		// lost: a summary reads the rows after the rollups one by one,
		// and the next import adds them.
		s.roll.mu.Lock()
		waiting := s.roll.pending != nil
		s.roll.mu.Unlock()
		if waiting {
			_ = s.refreshRollups(context.Background())
		}
		_, _ = s.db.Exec("PRAGMA optimize")
	}
	if err := s.db.Close(); err != nil {
		s.closeLock()
		return fmt.Errorf("cannot close db: %w", err)
	}
	return s.closeLock()
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
	return s.readOn(ctx, conn, f)
}

// readOn is read on a connection of the caller's.
func (s *EventStore) readOn(ctx context.Context, conn *sql.Conn, f func(*sql.Conn) error) error {
	tx, err := begin(ctx, conn, "BEGIN DEFERRED")
	if err != nil {
		return err
	}
	defer tx.end()
	return f(conn)
}

// txn is a transaction run by hand on one connection (BEGIN IMMEDIATE
// cannot be had through database/sql's Tx).
type txn struct {
	conn      *sql.Conn
	committed bool
}

// begin runs stmt (BEGIN IMMEDIATE or BEGIN DEFERRED) on conn. The caller
// defers end. A BEGIN cut short by the context may still have begun the
// transaction, so on an error the connection never goes back to the pool.
func begin(ctx context.Context, conn *sql.Conn, stmt string) (*txn, error) {
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		discard(conn)
		return nil, err
	}
	return &txn{conn: conn}, nil
}

// commit commits the transaction. It is not cut short by the context:
// once asked, a commit either stores everything or says why not, never
// "canceled" for what is in fact stored.
func (t *txn) commit() error {
	if _, err := t.conn.ExecContext(context.Background(), "COMMIT"); err != nil {
		return err
	}
	t.committed = true
	return nil
}

// end rolls the transaction back unless it was committed.
func (t *txn) end() {
	if t.committed {
		return
	}
	if _, err := t.conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		// The transaction may still be open.
		discard(t.conn)
	}
}

// discard makes conn close instead of going back to the pool when it is
// released.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}

// migrations returns the embedded migrations in order.
func migrations() ([]migration.Migration, error) {
	return migration.Load(migrationFS, "migration")
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
func (s *EventStore) apply(ctx context.Context, m migration.Migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot migrate to version %d: %w", m.Version, err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("cannot read schema version: %w", err)
	}
	if v >= m.Version {
		return nil // applied by a process that opened the database at the same time
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("cannot migrate to version %d (%s): %w", m.Version, m.Name, err)
	}
	// PRAGMA takes no parameters; the version is an integer we made.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.Version)); err != nil {
		return fmt.Errorf("cannot migrate to version %d: %w", m.Version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot migrate to version %d: %w", m.Version, err)
	}
	return nil
}

// isConstraint reports whether err is a constraint violation (a CHECK,
// NOT NULL or foreign key) reported by SQLite.
func isConstraint(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}
