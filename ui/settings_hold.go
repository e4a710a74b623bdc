package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// holdSetting is Settings' hold period field (issue 11): whole days, 1 to
// 30. An environment override that is not whole days (KASSA_HOLD_PERIOD=36h)
// is shown as it is and kept while the field is left alone.
type holdSetting struct {
	entry     *widget.Entry
	shownText string // what shown put in the field
}

func newHoldSetting() *holdSetting {
	h := &holdSetting{entry: widget.NewEntry()}
	h.entry.SetPlaceHolder(strconv.Itoa(int(pos.DefaultHoldPeriod.Hours() / 24)))
	return h
}

// shown fills the field from the running configuration.
func (h *holdSetting) shown(cfg pos.Config) {
	h.shownText = cfg.HoldPeriod.String()
	if n, ok := pos.HoldPeriodDays(cfg.HoldPeriod); ok {
		h.shownText = strconv.Itoa(n)
	}
	h.entry.SetText(h.shownText)
}

// saved shows the configuration now running (after Save).
func (h *holdSetting) saved(cfg pos.Config) { h.shown(cfg) }

// apply sets cfg's hold period from the field: unchanged keeps the running
// one, anything else must be whole days from 1 to 30.
func (h *holdSetting) apply(cfg *pos.Config) error {
	t := strings.TrimSpace(h.entry.Text)
	if t == h.shownText {
		return nil
	}
	d, err := pos.ParseHoldPeriodDays(t)
	if err != nil {
		return err
	}
	cfg.HoldPeriod = d
	return nil
}
