package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"knocks"
	"knocks/internal/migration"
)

// Compile-time checks that EventStore implements the domain interfaces.
var (
	_ knocks.EventStore = (*EventStore)(nil)
	_ knocks.GeoStore   = (*EventStore)(nil)
	_ knocks.Pruner     = (*EventStore)(nil)
)

//go:embed migration/*.sql
var migrationFS embed.FS

// MaxHostIDLen bounds the length of a host id.
const MaxHostIDLen = 255

// EventStore is a knocks.EventStore, knocks.GeoStore and knocks.Pruner
// backed by a PostgreSQL database. It is safe for concurrent use.
type EventStore struct {
	// Now returns the current time; it stamps checkpoints, locations and
	// summaries. Open sets it to time.Now; tests may replace it before use.
	Now func() time.Time

	pool   *pgxpool.Pool
	hostID string
	url    string // redacted, for messages
	lock   *pgxpool.Conn
}

// IsURL reports whether s names a PostgreSQL database: a postgres:// or
// postgresql:// URL.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Redact returns a URL without its password, for messages.
func Redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "postgres://..."
}

// Open connects to the PostgreSQL database that dsn names (a postgres://
// URL, with sslmode and the other libpq parameters) as the importer hostID
// (see the package documentation), and brings its schema up to date. It
// returns EINVALID for a malformed URL or host id, and for a database whose
// schema is newer than this package knows.
func Open(ctx context.Context, dsn, hostID string) (*EventStore, error) {
	if hostID == "" || len(hostID) > MaxHostIDLen || strings.ContainsAny(hostID, "\x00") {
		return nil, knocks.Errorf(knocks.EINVALID, "bad host id %q: give --host-id NAME (at most %d bytes)", hostID, MaxHostIDLen)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, knocks.Errorf(knocks.EINVALID, "cannot read the database URL %s: %v", Redact(dsn), errors.Unwrap(err))
	}
	cfg.MaxConns = 8
	cfg.MaxConnIdleTime = time.Minute
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "knocks"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// The triggers of migration 3 tell knocks' sessions by their host id.
	// A SET, not a startup parameter, which a pooler (PgBouncer) refuses.
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "SELECT set_config('knocks.host_id', $1, false)", pgx.QueryExecModeSimpleProtocol, hostID)
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot open db %s: %w", Redact(dsn), err)
	}
	s := &EventStore{Now: time.Now, pool: pool, hostID: hostID, url: Redact(dsn)}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot open db %s: %w", s.url, err)
	}
	return s, nil
}

// DefaultHostID returns the host id of an importer without --host-id: the
// machine's host name.
func DefaultHostID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}

// HostID returns the host id that the store imports as.
func (s *EventStore) HostID() string { return s.hostID }

// Path returns the database's URL without its password.
func (s *EventStore) Path() string { return s.url }

// Pool returns the connection pool, for tests and maintenance. Writing
// through it bypasses the rules that EventStore keeps.
func (s *EventStore) Pool() *pgxpool.Pool { return s.pool }

// Close releases the importer's lock and closes the connections.
func (s *EventStore) Close() error {
	s.releaseLock()
	s.pool.Close()
	return nil
}

// now returns the store's current time in UTC.
func (s *EventStore) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// read runs f in a read-only transaction that sees one snapshot of the
// database, whatever importers commit meanwhile.
func (s *EventStore) read(ctx context.Context, f func(pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	return f(tx)
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

// migrateLock is the key of the advisory lock that serialises migrations
// of processes that open the database at the same time.
const migrateLock = 0x6b6e6f6b // "knok"

// migrate applies the migrations that the database has not seen, each in
// its own transaction under an advisory lock, and records each version in
// knocks_schema. It refuses a database that holds tables but no
// knocks_schema (another program's).
func (s *EventStore) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("cannot read migrations: %w", err)
	}
	// Up to date: one query, without the lock.
	var v int
	if s.pool.QueryRow(ctx, "SELECT COALESCE(max(version), 0) FROM knocks_schema").Scan(&v) == nil && v == len(ms) {
		return nil
	}
	for {
		done, err := s.migrateOne(ctx, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, and reports whether none was
// left.
func (s *EventStore) migrateOne(ctx context.Context, ms []migration.Migration) (bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
		return false, fmt.Errorf("cannot lock the schema: %w", err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass('knocks_schema') IS NOT NULL").Scan(&exists); err != nil {
		return false, fmt.Errorf("cannot read schema version: %w", err)
	}
	v := 0
	if !exists {
		var tables []string
		rows, err := tx.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1 LIMIT 6")
		if err != nil {
			return false, fmt.Errorf("cannot read schema version: %w", err)
		}
		tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return false, fmt.Errorf("cannot read schema version: %w", err)
		}
		if len(tables) > 0 {
			if len(tables) > 5 {
				tables = append(tables[:5], "...")
			}
			return false, knocks.Errorf(knocks.EINVALID, "%s is not a knocks database (it holds another program's tables: %s); give another --db", s.url, strings.Join(tables, ", "))
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE knocks_schema (version integer NOT NULL, applied bigint NOT NULL)"); err != nil {
			return false, fmt.Errorf("cannot make the schema table: %w", err)
		}
	} else if err := tx.QueryRow(ctx, "SELECT COALESCE(max(version), 0) FROM knocks_schema").Scan(&v); err != nil {
		return false, fmt.Errorf("cannot read schema version: %w", err)
	}
	if v > len(ms) {
		return false, knocks.Errorf(knocks.EINVALID, "the database has schema version %d, newer than this knocks knows (%d): upgrade knocks", v, len(ms))
	}
	if v == len(ms) {
		return true, tx.Commit(ctx)
	}
	m := ms[v]
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("cannot migrate to version %d (%s): %w", m.Version, m.Name, err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO knocks_schema (version, applied) VALUES ($1, $2)", m.Version, s.now().Unix()); err != nil {
		return false, fmt.Errorf("cannot migrate to version %d: %w", m.Version, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("cannot migrate to version %d: %w", m.Version, err)
	}
	return false, nil
}

// isConstraint reports whether err is a constraint violation (check, not
// null, unique, foreign key) or bad data reported by PostgreSQL.
func isConstraint(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (strings.HasPrefix(e.Code, "23") || strings.HasPrefix(e.Code, "22"))
}
