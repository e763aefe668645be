package main

import (
	"context"
	"os"

	"knocks"
	"knocks/ingest"
	"knocks/sqlite"
)

// fail2banDB reads fail2ban's own database (see sqlite.ReadFail2ban).
type fail2banDB struct{}

var _ ingest.BanDatabase = fail2banDB{}

// Is reports whether name is an SQLite database, by its magic bytes.
func (fail2banDB) Is(name string) bool { return sqlite.IsDatabase(name) }

// Read reads the bans of the database.
func (fail2banDB) Read(ctx context.Context, name, host string, f func([]knocks.Fail2banEvent) error) (int64, error) {
	return sqlite.ReadFail2ban(ctx, name, host, f)
}

// banHost returns the host of ban events whose input names none
// (fail2ban.log, fail2ban's database): the flag, else this machine's name.
func banHost(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}

// withFail2banDB adds the --fail2ban-db path to the inputs.
func withFail2banDB(names []string, path string) ([]string, error) {
	if path == "" {
		return names, nil
	}
	if !sqlite.IsDatabase(path) {
		return nil, usagef("--fail2ban-db: %s is not an SQLite database", path)
	}
	return append(names, path), nil
}
