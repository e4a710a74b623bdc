package receipt

import (
	"bytes"
	"strings"
	"testing"

	"kassa/device/escpos"
)

// TestTestPage: the ruler is exactly a line wide at every width, the
// pangram comes back from CP866, the page ends in a cut; the PDF renders.
func TestTestPage(t *testing.T) {
	p := TestPage{Merchant: `ООО "Ромашка"`, Setting: "tcp:10.0.0.5:9100", At: at, Words: words("ru")}
	for _, width := range []int{32, 42, 48} {
		job, err := p.ESCPOS(PrintOptions{Width: width})
		if err != nil {
			t.Fatal(err)
		}
		lines := escpos.Lines(paper(t, job.Bytes, width))
		lineWith(t, lines, ruler(width))
		lineWith(t, lines, "Съешь же ещё")
		lineWith(t, lines, "tcp:10.0.0.5:9100")
		if job.Replaced != 0 {
			t.Errorf("%d: %d characters replaced", width, job.Replaced)
		}
	}
	if !strings.Contains(p.Text(), ruler(Width)+"\n") {
		t.Errorf("text:\n%s", p.Text())
	}
	var b bytes.Buffer
	if err := p.PDF(&b); err != nil || !bytes.HasPrefix(b.Bytes(), []byte("%PDF")) {
		t.Errorf("PDF: %v", err)
	}
}
