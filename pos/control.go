package pos

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The control socket (issue 14): while an engine holds the journal, the
// headless `kassa journal backup` cannot open it, so it asks the running
// instance to make the copy. The socket is a unix-domain socket next to the
// journal (ControlSocket), mode 0600 in the 0700 data directory; on Linux
// the engine also checks that the peer runs as the same user (SO_PEERCRED).
// Windows (10 and later) has unix-domain sockets too: there the socket file
// lives in the user's own profile directory and its ACL is inherited from
// it. One request per connection: a JSON line, answered by one JSON line.

// ErrNoInstance means no running Kassa answers on the journal's control
// socket (none is running, or it is an older one).
var ErrNoInstance = errors.New("no running Kassa answers for this journal")

// controlTimeout bounds reading a request and writing its answer.
const controlTimeout = 5 * time.Second

// controlRequest is what a headless command asks.
type controlRequest struct {
	Op   string `json:"op"`   // "backup"
	Dest string `json:"dest"` // absolute path: a new file or a directory
}

// controlReply is the running instance's answer.
type controlReply struct {
	Error  string        `json:"error,omitempty"`
	Backup *BackupResult `json:"backup,omitempty"`
}

// ControlSocket is the control socket's path for the journal at
// journalPath.
func ControlSocket(journalPath string) string { return journalPath + ".sock" }

// startControl listens on the journal's control socket until the engine
// closes. Without it (a path too long for a socket, say) headless backups
// say Kassa is running; payments are never affected.
func (e *Engine) startControl() {
	path := ControlSocket(e.journal.Path())
	_ = os.Remove(path) // left by a crash: this engine holds the journal's lock, no one else serves it
	l, err := net.Listen("unix", path)
	if err != nil {
		e.log.Warn("control socket: headless backups cannot reach this Kassa", "path", path, "err", err)
		return
	}
	if err := restrictSocket(path); err != nil {
		e.log.Warn("control socket: not restricted to this user; closed", "path", path, "err", err)
		_ = l.Close()
		return
	}
	e.wg.Add(2)
	go func() {
		defer e.wg.Done()
		<-e.ctx.Done()
		_ = l.Close() // also removes the socket file
	}()
	go e.serveControl(l)
}

// serveControl answers each connection on its own goroutine.
func (e *Engine) serveControl(l net.Listener) {
	defer e.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			return // closed
		}
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			defer c.Close()
			e.answerControl(c)
		}()
	}
}

// answerControl reads one request and writes its answer.
func (e *Engine) answerControl(c net.Conn) {
	if err := samePeer(c); err != nil {
		e.log.Warn("control socket: refused a connection", "err", err)
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(controlTimeout))
	line, err := bufio.NewReader(c).ReadBytes('\n')
	var req controlRequest
	if err != nil || json.Unmarshal(line, &req) != nil {
		return
	}
	var rep controlReply
	switch {
	case req.Op != "backup":
		rep.Error = fmt.Sprintf("unknown request %q", req.Op)
	case !filepath.IsAbs(req.Dest):
		rep.Error = "backup: the destination must be an absolute path"
	default:
		res, err := e.BackUp(e.ctx, req.Dest)
		if err != nil {
			rep.Error = err.Error()
		} else {
			rep.Backup = &res
		}
	}
	_ = c.SetWriteDeadline(time.Now().Add(controlTimeout))
	b, _ := json.Marshal(rep)
	_, _ = c.Write(append(b, '\n'))
}

// RequestBackup asks the Kassa running on the journal at journalPath to
// back it up to dest (a new file or a directory; made absolute here). It
// returns ErrNoInstance when none answers; any other error is the running
// instance's reason.
func RequestBackup(ctx context.Context, journalPath, dest string) (BackupResult, error) {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return BackupResult{}, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", ControlSocket(journalPath))
	if err != nil {
		return BackupResult{}, fmt.Errorf("%w: %v", ErrNoInstance, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()
	b, _ := json.Marshal(controlRequest{Op: "backup", Dest: abs})
	if _, err := c.Write(append(b, '\n')); err != nil {
		return BackupResult{}, fmt.Errorf("%w: %v", ErrNoInstance, err)
	}
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		return BackupResult{}, fmt.Errorf("the running Kassa did not answer: %w", err)
	}
	var rep controlReply
	if err := json.Unmarshal(line, &rep); err != nil {
		return BackupResult{}, fmt.Errorf("the running Kassa's answer: %w", err)
	}
	if rep.Error != "" || rep.Backup == nil {
		return BackupResult{}, errors.New(rep.Error)
	}
	return *rep.Backup, nil
}
