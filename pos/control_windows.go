package pos

import "net"

// restrictSocket: Windows has no file modes; the socket file sits in the
// user's own profile directory (%APPDATA%\kassa), whose ACL it inherits:
// other users cannot open it.
func restrictSocket(string) error { return nil }

// samePeer: see restrictSocket.
func samePeer(net.Conn) error { return nil }
