// Package pgtest starts a throw-away PostgreSQL cluster for tests: initdb in
// a temporary directory, a server listening on a Unix socket in that
// directory (and on 127.0.0.1 when asked), stopped and removed at the end.
// It uses the distribution's binaries (/usr/lib/postgresql/*/bin); when they
// are missing, Start fails with a message saying to run scripts/setup.sh.
// When the tests run as root, initdb and the server run as the postgres user
// (initdb refuses root).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ErrNotInstalled means no PostgreSQL server binaries were found.
var ErrNotInstalled = errors.New("postgresql is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup.sh")

// User is the database superuser of a test cluster.
const User = "kassa"

// Options configure Start.
type Options struct {
	// TCP also listens on 127.0.0.1 (Port), for tests that put a proxy
	// between client and server.
	TCP bool
}

// Cluster is a running throw-away PostgreSQL cluster.
type Cluster struct {
	Dir  string // temporary directory: data/, the socket, log
	Port int    // the socket's (and with TCP the loopback listener's) port

	bin      string
	tcp      bool
	runAs    string // "postgres" when running as root, else ""
	dataDir  string
	logFile  string
	stopped  bool
	timeoutS int
}

// initdbGlob is where the distribution's PostgreSQL binaries are.
var initdbGlob = "/usr/lib/postgresql/*/bin/initdb"

// BinDir returns the newest /usr/lib/postgresql/N/bin holding initdb.
func BinDir() (string, error) {
	dirs, _ := filepath.Glob(initdbGlob)
	if len(dirs) == 0 {
		return "", ErrNotInstalled
	}
	sort.Slice(dirs, func(a, b int) bool { return version(dirs[a]) > version(dirs[b]) })
	return filepath.Dir(dirs[0]), nil
}

func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start creates and starts a cluster. Stop it with Stop.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kassa-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin, tcp: opts.TCP, dataDir: filepath.Join(dir, "data"),
		logFile: filepath.Join(dir, "log"), timeoutS: 60}
	if os.Geteuid() == 0 {
		if err := c.chownToPostgres(); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	if c.Port, err = freePort(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if out, err := c.run(ctx, "initdb", "-D", c.dataDir, "-A", "trust", "-U", User, "-E", "UTF8",
		"--locale=C", "--no-sync"); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	if err := c.Start(ctx); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

func (c *Cluster) chownToPostgres() error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres user (installed with postgresql; run scripts/setup.sh): %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	c.runAs = "postgres"
	return os.Chown(c.Dir, uid, gid)
}

// run runs a PostgreSQL program (as postgres when root) and returns its
// combined output.
func (c *Cluster) run(ctx context.Context, prog string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(c.timeoutS+30)*time.Second)
	defer cancel()
	name := filepath.Join(c.bin, prog)
	if c.runAs != "" {
		args = append([]string{"-u", c.runAs, "--", name}, args...)
		name = "runuser"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// Start starts the (stopped) server and waits until it accepts connections.
func (c *Cluster) Start(ctx context.Context) error {
	listen := "''"
	if c.tcp {
		listen = "127.0.0.1"
	}
	o := fmt.Sprintf("-c listen_addresses=%s -k %s -p %d -c max_connections=100 -c fsync=on", listen, c.Dir, c.Port)
	var (
		out string
		err error
	)
	// After Crash the old backends may hold the shared memory for a moment.
	for try := 0; try < 20; try++ {
		if out, err = c.run(ctx, "pg_ctl", "-D", c.dataDir, "-o", o, "-l", c.logFile, "-t", strconv.Itoa(c.timeoutS), "-w", "start"); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	if err != nil {
		log, _ := os.ReadFile(c.logFile)
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, tail(string(log), 2000))
	}
	c.stopped = false
	return nil
}

// Stop stops the server (fast shutdown: open sessions are cut) and leaves
// the data in place; Start starts it again.
func (c *Cluster) Stop(ctx context.Context) error {
	if c.stopped {
		return nil
	}
	out, err := c.run(ctx, "pg_ctl", "-D", c.dataDir, "-m", "fast", "-t", strconv.Itoa(c.timeoutS), "-w", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	c.stopped = true
	return nil
}

// Crash kills the postmaster with SIGKILL (no shutdown: the next Start
// recovers from the WAL). Its orphaned backends end on their own once
// the postmaster is gone.
func (c *Cluster) Crash(ctx context.Context) error {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	if err != nil {
		return fmt.Errorf("postmaster.pid: %v", err)
	}
	if err := kill(pid); err != nil {
		return err
	}
	for i := 0; i < 200; i++ {
		if !alive(pid) {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	c.stopped = true
	return nil
}

// Close stops the server and removes the directory.
func (c *Cluster) Close() error {
	err := c.Stop(context.Background())
	if rerr := os.RemoveAll(c.Dir); err == nil {
		err = rerr
	}
	return err
}

// DSN is a connection string for database db over the Unix socket.
func (c *Cluster) DSN(db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.Dir, c.Port, User, db)
}

// TCPAddr is the loopback address the server listens on (Options.TCP).
func (c *Cluster) TCPAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)) }

// CreateDB creates a database (template0, UTF8).
func (c *Cluster) CreateDB(ctx context.Context, name string) error {
	out, err := c.run(ctx, "createdb", "-h", c.Dir, "-p", strconv.Itoa(c.Port), "-U", User, "-T", "template0", name)
	if err != nil {
		return fmt.Errorf("createdb %s: %v: %s", name, err, out)
	}
	return nil
}

// Log returns the end of the server log.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(c.logFile)
	return tail(string(b), 4000)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// ForTest starts a cluster for one test, failing it (never skipping) when
// PostgreSQL is missing, and stops it when the test ends.
func ForTest(tb testing.TB, opts Options) *Cluster {
	tb.Helper()
	c, err := Start(context.Background(), opts)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		if err := c.Close(); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return c
}
