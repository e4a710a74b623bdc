package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNoPgBouncer means the pgbouncer binary is missing.
var ErrNoPgBouncer = errors.New("pgbouncer is not installed: run scripts/setup.sh")

// Bouncer is a PgBouncer in transaction mode in front of a Cluster,
// listening on a Unix socket in its own directory.
type Bouncer struct {
	Dir  string
	Port int
	c    *Cluster
}

// PgBouncer starts a PgBouncer (pool_mode transaction, poolSize server
// connections per database) in front of the cluster. Stop it with Close.
func (c *Cluster) PgBouncer(ctx context.Context, poolSize int) (*Bouncer, error) {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/pgbouncer"); serr != nil {
			return nil, ErrNoPgBouncer
		}
		bin = "/usr/sbin/pgbouncer"
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	b := &Bouncer{Dir: filepath.Join(c.Dir, "bouncer"), Port: port, c: c}
	if err := os.Mkdir(b.Dir, 0o755); err != nil {
		return nil, err
	}
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%d
[pgbouncer]
listen_addr =
listen_port = %d
unix_socket_dir = %s
auth_type = trust
auth_file = %s/users.txt
pool_mode = transaction
default_pool_size = %d
max_client_conn = 500
logfile = %s/log
pidfile = %s/pid
`, c.Dir, c.Port, port, b.Dir, b.Dir, poolSize, b.Dir, b.Dir)
	if err := os.WriteFile(filepath.Join(b.Dir, "pgbouncer.ini"), []byte(ini), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(b.Dir, "users.txt"), []byte(`"`+User+`" ""`+"\n"), 0o644); err != nil {
		return nil, err
	}
	if c.runAs != "" {
		if err := c.chownDir(b.Dir); err != nil {
			return nil, err
		}
	}
	name, args := bin, []string{"-d", filepath.Join(b.Dir, "pgbouncer.ini")}
	if c.runAs != "" {
		args = append([]string{"-u", c.runAs, "--", bin}, args...)
		name = "runuser"
	}
	if out, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgbouncer: %v: %s", err, out)
	}
	sock := filepath.Join(b.Dir, ".s.PGSQL."+strconv.Itoa(port))
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(sock); err == nil {
			return b, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(b.Dir, "log"))
	_ = b.Close()
	return nil, fmt.Errorf("pgbouncer did not start: %s", tail(string(log), 2000))
}

// chownDir gives dir (and its files) to the postgres user.
func (c *Cluster) chownDir(dir string) error {
	fi, err := os.Stat(c.Dir)
	if err != nil {
		return err
	}
	uid, gid, ok := ownerOf(fi)
	if !ok {
		return nil // no file owners to give (Windows)
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
}

// DSN is a connection string for database db through the bouncer.
func (b *Bouncer) DSN(db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", b.Dir, b.Port, User, db)
}

// Close stops the bouncer.
func (b *Bouncer) Close() error {
	raw, err := os.ReadFile(filepath.Join(b.Dir, "pid"))
	if err != nil {
		return nil // not running
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return err
	}
	_ = terminate(pid)
	for i := 0; i < 200 && alive(pid); i++ {
		time.Sleep(25 * time.Millisecond)
	}
	return nil
}
