package escpos

import (
	"bytes"
	"errors"
	"testing"
)

func TestStatusRequest(t *testing.T) {
	want := []byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10, 0x04, 4}
	if got := StatusRequest(); !bytes.Equal(got, want) {
		t.Errorf("% x, want % x", got, want)
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name  string
		reply []byte
		want  Status
		ready bool
	}{
		{"ready", []byte{0x12, 0x12, 0x12, 0x12}, Status{}, true},
		{"paper near end", []byte{0x12, 0x12, 0x12, 0x1E}, Status{PaperNearEnd: true}, true},
		{"paper out", []byte{0x1A, 0x32, 0x12, 0x7E}, Status{Offline: true, PaperOut: true, PaperNearEnd: true}, false},
		{"cover open", []byte{0x1A, 0x16, 0x12, 0x12}, Status{Offline: true, CoverOpen: true}, false},
		{"cutter jammed", []byte{0x1A, 0x52, 0x1A, 0x12}, Status{Offline: true, Error: true, CutterError: true}, false},
		{"xon xoff between replies", []byte{0x11, 0x12, 0x13, 0x12, 0x12, 0x11, 0x12, 0xFF}, Status{}, true},
	}
	for _, tt := range tests {
		s, err := ParseStatus(tt.reply)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if s != tt.want || s.Ready() != tt.ready {
			t.Errorf("%s: %+v (ready %v), want %+v", tt.name, s, s.Ready(), tt.want)
		}
	}
}

func TestParseStatusRejects(t *testing.T) {
	for _, tt := range []struct {
		reply []byte
		want  error
	}{
		{nil, ErrStatusShort},
		{[]byte{0x12, 0x12, 0x12}, ErrStatusShort},
		{[]byte{0x12, 0x12, 0x12, 0x13}, ErrStatusShort},
		{[]byte{0x00, 0x12, 0x12, 0x12}, ErrStatus},
		{[]byte{0x12, 0x12, 0x92, 0x12}, ErrStatus},
		{[]byte("OK\r\n"), ErrStatus},
	} {
		if _, err := ParseStatus(tt.reply); !errors.Is(err, tt.want) {
			t.Errorf("% x: %v, want %v", tt.reply, err, tt.want)
		}
	}
}

func TestStatusReplyRoundTrip(t *testing.T) {
	for _, s := range []Status{{}, {PaperNearEnd: true}, {Offline: true, PaperOut: true, PaperNearEnd: true},
		{Offline: true, CoverOpen: true}, {Offline: true, Error: true}, {Offline: true, Error: true, CutterError: true}} {
		got, err := ParseStatus(StatusReply(s))
		if err != nil || got != s {
			t.Errorf("%+v: parsed %+v, %v", s, got, err)
		}
	}
}

func TestStatusString(t *testing.T) {
	if s := (Status{}).String(); s != "ready" {
		t.Errorf("%q", s)
	}
	if s := (Status{Offline: true, PaperOut: true}).String(); s != "offline, paper out" {
		t.Errorf("%q", s)
	}
}
