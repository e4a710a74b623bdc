package device

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"go.bug.st/serial/enumerator"
)

func TestIsMiura(t *testing.T) {
	for _, tc := range []struct {
		vid, pid, man string
		want          bool
	}{
		{"2DDA", "0001", "", true},
		{"2dda", "abcd", "whatever", true},
		{"0525", "A4A7", "Miura Systems", true},
		{"0525", "a4a5", "MIURA", true},
		{"0525", "A4A7", "Linux Foundation", false},
		{"0525", "1234", "Miura Systems", false},
		{"1A86", "7523", "Miura", false},
	} {
		if got := isMiura(tc.vid, tc.pid, tc.man); got != tc.want {
			t.Errorf("isMiura(%s:%s %q) = %v", tc.vid, tc.pid, tc.man, got)
		}
	}
}

func TestListPortsAndFind(t *testing.T) {
	old := listDetailed
	defer func() { listDetailed = old }()
	listDetailed = func() ([]*enumerator.PortDetails, error) {
		return []*enumerator.PortDetails{
			{Name: "/dev/ttyS0"},
			{Name: "/dev/ttyACM1", IsUSB: true, VID: "0525", PID: "a4a7", Manufacturer: "Linux"},
			{Name: "/dev/ttyACM2", IsUSB: true, VID: "0525", PID: "a4a7", Manufacturer: "Miura Systems Ltd", Product: "M010"},
		}, nil
	}
	ps, err := ListPorts()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 || ps[0].Name != "/dev/ttyACM2" || !ps[0].Miura || ps[1].Miura || ps[2].Miura {
		t.Fatalf("ports %+v", ps)
	}
	if l := ps[0].Label(); l != "/dev/ttyACM2 (Miura Systems Ltd M010, 0525:A4A7)" {
		t.Errorf("label %q", l)
	}
	if p, err := FindPort(); err != nil || p != "/dev/ttyACM2" {
		t.Errorf("find %q %v", p, err)
	}
	listDetailed = func() ([]*enumerator.PortDetails, error) { return nil, nil }
	if _, err := FindPort(); !errors.Is(err, ErrNotFound) {
		t.Errorf("find with no reader: %v", err)
	}
	if _, err := Open(context.Background(), Options{Port: PortAuto}); !errors.Is(err, ErrNotFound) {
		t.Errorf("open auto with no reader: %v", err)
	}
}

func TestOpenMissingPort(t *testing.T) {
	old := listDetailed
	defer func() { listDetailed = old }()
	listDetailed = func() ([]*enumerator.PortDetails, error) { return nil, nil }
	_, err := Open(context.Background(), Options{Port: filepath.Join(t.TempDir(), "ttyACM9")})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v", err)
	}
}

func TestOpenNotASerialPort(t *testing.T) {
	p := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), Options{Port: p}); err == nil {
		t.Fatal("opened a plain file as a reader")
	}
}

// TestOpenPermission: a port the user may not open gives ErrPermission (the
// "add yourself to the dialout group" message). Root opens anything.
func TestOpenPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may open any file; run as a normal user")
	}
	p := filepath.Join(t.TempDir(), "ttyUSB0")
	if err := os.WriteFile(p, nil, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Options{Port: p})
	if !errors.Is(err, ErrPermission) {
		t.Fatalf("got %v", err)
	}
}
