package pgtest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestDB checks that each call gives a database of its own, empty and
// writable, that is gone after the test that made it.
func TestDB(t *testing.T) {
	ctx := context.Background()
	server := Server(t)
	var names []string
	t.Run("make", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			c, err := pgx.Connect(ctx, DB(t))
			if err != nil {
				t.Fatal(err)
			}
			var name string
			var tables int
			if err := c.QueryRow(ctx, "SELECT current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')").Scan(&name, &tables); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(name, "knocks_test_") || tables != 0 {
				t.Errorf("database %q with %d tables, want a new knocks_test_ one without any", name, tables)
			}
			if _, err := c.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
				t.Errorf("cannot write the test database: %v", err)
			}
			c.Close(ctx)
			names = append(names, name)
		}
	})
	if len(names) != 2 || names[0] == names[1] {
		t.Fatalf("databases %v, want two different ones", names)
	}
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var left int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d test databases left after their test ended", left)
	}
}
