package pgtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestClusterStartStopCrash(t *testing.T) {
	c := ForTest(t, Options{TCP: true})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.CreateDB(ctx, "kassa"); err != nil {
		t.Fatal(err)
	}
	ping := func(dsn string) {
		t.Helper()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect %s: %v\n%s", dsn, err, c.Log())
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("select 1: %d %v", n, err)
		}
	}
	ping(c.DSN("kassa"))
	ping("postgres://" + User + "@" + c.TCPAddr() + "/kassa?sslmode=disable")
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if conn, err := pgx.Connect(ctx, c.DSN("kassa")); err == nil {
		conn.Close(ctx)
		t.Fatal("connected to a stopped cluster")
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ping(c.DSN("kassa"))
	if err := c.Crash(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ping(c.DSN("kassa"))
}

// Without PostgreSQL the tests fail (never skip) saying what to run.
func TestMissingPostgreSQL(t *testing.T) {
	old := initdbGlob
	initdbGlob = "/nonexistent/postgresql/*/bin/initdb"
	defer func() { initdbGlob = old }()
	_, err := Start(context.Background(), Options{})
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "run scripts/setup.sh") {
		t.Fatalf("err = %v", err)
	}
}
