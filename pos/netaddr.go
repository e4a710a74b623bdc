package pos

import (
	"net"
	"os"
	"sync"
)

var (
	ipOnce sync.Once
	ipAddr string
)

// localIP is the counter PC's address, else 127.0.0.1 (MAPI §3 ipaddress).
func localIP() string {
	ipOnce.Do(func() {
		ipAddr = "127.0.0.1"
		if v := os.Getenv("KASSA_IP_ADDRESS"); v != "" {
			ipAddr = v
			return
		}
		if addrs, err := netInterfaceAddrs(); err == nil && len(addrs) > 0 {
			ipAddr = addrs[0]
		}
	})
	return ipAddr
}

// netInterfaceAddrs lists the machine's non-loopback IPv4 addresses.
func netInterfaceAddrs() ([]string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			out = append(out, ipn.IP.String())
		}
	}
	return out, nil
}
