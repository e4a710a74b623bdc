package sim

import (
	"context"
	"io"
	"net"
)

// Pipe serves s on an in-memory link (net.Pipe) and returns the host end,
// for platforms without pseudo-terminals and for tests. Closing the host end
// ends the connection; an unplug fault closes the link from the reader side.
// The serving goroutine ends with the connection or ctx.
func Pipe(ctx context.Context, s *Reader) io.ReadWriteCloser {
	host, dev := net.Pipe()
	go func() {
		_ = s.Serve(ctx, dev)
		_ = dev.Close()
	}()
	return host
}
