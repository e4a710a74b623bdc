package device

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// goldenSwipePkt is the §6 worked example, 98 bytes.
const goldenSwipePkt = "01 40 5E E1 5A 48 02 00 05 DF AE 02 20 5A 7A BC 7F EF 1F 0D EB 6A 46 A1 3C 28 01 CD 2A F8 7C F9 94 CB DD 04 E1 10 7E 1A 07 46 35 C9 22 DF AE 03 0A FF FF 98 76 54 32 10 E0 00 01 DF AE 22 20 3B 34 30 31 32 33 34 2A 2A 2A 38 39 30 39 3D 32 38 31 32 31 30 31 2A 2A 2A 2A 2A 2A 2A 2A 2A 3F 90 00 29"

// goldenBlob is the §8 example: the whole E1 card-status template of the §6
// worked example, as the reader sent it (92 bytes).
const goldenBlob = "E15A48020005DFAE02205A7ABC7FEF1F0DEB6A46A13C2801CD2AF87CF994CBDD04E1107E1A074635C922DFAE030AFFFF9876543210E00001DFAE22203B3430313233342A2A2A383930393D323831323130312A2A2A2A2A2A2A2A2A3F"

// cardView is the comparable part of a Card, with the template as hex.
type cardView struct {
	MaskedPAN, First6, Last4, Expiry, EncryptedType, EncryptedData, KSN, ReaderSerial string
	Template                                                                          string
	Entry                                                                             EntryMode
	AID, AppLabel                                                                     string
	CVM                                                                               string
	PINBlock, Chip                                                                    bool
}

func viewOf(c *Card) cardView {
	if c == nil {
		return cardView{}
	}
	return cardView{c.MaskedPAN, c.First6, c.Last4, c.Expiry, c.EncryptedType, c.EncryptedData, c.KSN, c.ReaderSerial,
		fmt.Sprintf("%X", c.Template), c.Entry, c.AID, c.AppLabel, c.CVM.String(), c.PINBlock, c.Chip != nil}
}

// goldenSwipeView is the Card of the golden swipe.
var goldenSwipeView = cardView{MaskedPAN: "401234***8909", First6: "401234", Last4: "8909", Expiry: "2812", EncryptedType: "miura",
	EncryptedData: goldenBlob, KSN: "FFFF9876543210E00001", ReaderSerial: "SIM00001", Template: goldenBlob, Entry: EntrySwipe, CVM: "unknown"}

// scripted answers the §5 commands like the simulator (independent of it);
// onCardStatus gives the unsolicited packets sent after CARD STATUS on.
func scripted(t *testing.T, onCardStatus func() []byte) func(apdu []byte) []byte {
	return func(apdu []byte) []byte {
		switch {
		case apdu[0] == 0xD0 && apdu[1] == 0x00:
			return hx(t, "01 00 36 E1 32 9F 1E 08 53 49 4D 30 30 30 30 31 EF 12 DF 0D 08 4D 30 30 30 2D 4D 50 49 DF 7F 04 31 2D 34 37 EF 11 DF 0D 07 4D 30 30 30 2D 4F 53 DF 7F 04 37 2D 31 32 90 00 D9")
		case apdu[0] == 0xEE:
			return hx(t, "01 00 09 E1 05 DF AE 01 01 05 90 00 08")
		case apdu[0] == 0xD0 && apdu[1] == 0x62:
			return hx(t, "01 00 0E E1 0A DF A2 09 01 01 DF A2 0A 01 55 90 00 23")
		case apdu[0] == 0xD0 && apdu[1] == 0x60:
			if apdu[2] != 0 && onCardStatus != nil {
				return onCardStatus()
			}
			return nil
		}
		return okPkt
	}
}

func TestReadCardScripted(t *testing.T) {
	var logs bytes.Buffer
	f, host := newFake(t, scripted(t, func() []byte {
		return append(hx(t, "01 40 08 E1 04 48 02 00 00 90 00 76 01 40 08 E1 04 48 02 00 01 90 00 77"), hx(t, goldenSwipePkt)...)
	}))
	r, err := OpenConn(context.Background(), host, Options{Logger: testLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info := r.Info()
	if info.Serial != "SIM00001" || info.MPIVersion != "1-47" || info.OSVersion != "7-12" || !info.SREDReady || info.Battery != (Battery{85, Charging}) {
		t.Fatalf("info %+v", info)
	}
	var events []ReadEvent
	card, err := r.ReadCard(context.Background(), ReadRequest{Display: "Amount: 10.50 RUB\nSwipe card", OnEvent: func(e ReadEvent) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	want := goldenSwipeView
	if viewOf(card) != want {
		t.Errorf("card\n%+v\nwant\n%+v", *card, want)
	}
	if len(events) != 1 || events[0] != EventBadSwipe {
		t.Errorf("events %v", events)
	}
	// Open: RESET, P2PE, BATTERY, DISPLAY; read: DISPLAY, CARD STATUS on, off, DISPLAY.
	if got := strings.Join(f.commands(), " "); got != "D000 EEE0 D062 D201 D201 D060 D060 D201" {
		t.Errorf("commands %s", got)
	}
	assertNoCardData(t, logs.String())
}

func TestReadCardScriptedClearTracks(t *testing.T) {
	var logs bytes.Buffer
	// No keys: 48, 5F21, 5F22 in clear, DFAE22.
	clear := pkt(1, 0x40, hx(t, "E1 34 48 02 00 07 5F 21 0A 25 42 34 30 31 32 33 34 35 36 5F 22 20 3B 34 30 31 32 33 34 35 36 37 38 39 30 39 3D 32 38 31 32 31 30 31 30 30 30 30 30 30 30 30 30 3F 90 00"))
	_, host := newFake(t, scripted(t, func() []byte { return clear }))
	r, err := OpenConn(context.Background(), host, Options{Logger: testLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = r.ReadCard(context.Background(), ReadRequest{})
	if !errors.Is(err, ErrNotSREDReady) {
		t.Fatalf("got %v", err)
	}
	assertNoCardData(t, logs.String())
}

func TestReadCardScriptedCancel(t *testing.T) {
	f, host := newFake(t, scripted(t, nil))
	r, err := OpenConn(context.Background(), host, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := r.ReadCard(ctx, ReadRequest{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if _, err := r.ReadCard(context.Background(), ReadRequest{Timeout: 100 * time.Millisecond}); !errors.Is(err, ErrReadTimeout) {
		t.Fatalf("got %v", err)
	}
	// Each read ends with CARD STATUS 00, ABORT, DISPLAY idle.
	want := "D000 EEE0 D062 D201 D201 D060 D060 D0FF D201 D201 D060 D060 D0FF D201"
	if got := strings.Join(f.commands(), " "); got != want {
		t.Errorf("commands %s\nwant     %s", got, want)
	}
}

// assertNoCardData fails if logs hold a PAN beyond first6/last4, SRED data or
// a track.
func assertNoCardData(t *testing.T, logs string) {
	t.Helper()
	up := strings.ToUpper(logs)
	for _, bad := range []string{
		"4012345678909", "2345678", "5678909", // PAN digits beyond the masked form
		"5A7ABC7F", "CD2AF87C", "4635C922", // DFAE02 ciphertext (hex)
		";4012345678909=", "%B4012", "2812101000000000", // clear tracks
		"DFAE0220", "5F21", "5F22", "5F23", // raw TLV of card data
	} {
		if strings.Contains(up, strings.ToUpper(bad)) {
			t.Errorf("log contains card data %q:\n%s", bad, logs)
		}
	}
}

// TestReadCardScriptedChip: a chip card inserted during a read is reported
// ("please swipe") and the read goes on to the swipe.
func TestReadCardScriptedChip(t *testing.T) {
	_, host := newFake(t, scripted(t, func() []byte {
		return append(hx(t, "01 40 08 E1 04 48 02 03 00 90 00 75"), hx(t, goldenSwipePkt)...)
	}))
	r, err := OpenConn(context.Background(), host, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var events []ReadEvent
	card, err := r.ReadCard(context.Background(), ReadRequest{OnEvent: func(e ReadEvent) { events = append(events, e) }})
	if err != nil || card.EncryptedData != goldenBlob {
		t.Fatalf("read: %v %+v", err, card)
	}
	if len(events) != 1 || events[0] != EventChipInserted {
		t.Errorf("events %v", events)
	}
}
