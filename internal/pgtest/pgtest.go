// Package pgtest gives tests a fresh PostgreSQL database of their own on
// the server that the environment variable KNOCKS_TEST_PG names, e.g.
//
//	KNOCKS_TEST_PG='postgres://postgres@127.0.0.1:54320/postgres?sslmode=disable'
//
// (scripts/pgcluster.sh starts such a throw-away server; .ci/run does). The
// URL's user must be allowed to create databases. Without the variable a
// test that needs the server is skipped with a message, and fails when
// CI=true, so that CI never passes without having run it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar is the environment variable that names the test server.
const EnvVar = "KNOCKS_TEST_PG"

// Server returns the URL of the test server: the value of KNOCKS_TEST_PG.
// Without it, it skips the test, or fails it when CI=true.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u != "" {
		return u
	}
	const msg = EnvVar + " is not set: no PostgreSQL server to test against (start one with `eval \"$(scripts/pgcluster.sh start)\"`)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("skipped: " + msg)
	return ""
}

// DB creates a new, empty database on the test server and returns its URL;
// the database is dropped when the test ends. It skips (or fails, with
// CI=true) as Server does.
func DB(t testing.TB) string {
	t.Helper()
	server := Server(t)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "knocks_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("cannot connect to the test server %s: %v", u.Redacted(), err)
	}
	defer admin.Close(context.Background())
	// A name cannot be a parameter; it is made of hex digits above.
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatalf("cannot create a test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("cannot drop the test database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("cannot drop the test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
