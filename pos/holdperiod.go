package pos

import (
	"strconv"
	"strings"
	"time"
)

// The hold period as a setting (issue 11): whole days from MinHoldDays to
// MaxHoldDays, in the config file as hold_period_days and in Settings.
const (
	MinHoldDays = 1
	MaxHoldDays = 30
	holdDay     = 24 * time.Hour
)

// ParseHoldPeriodDays reads a hold period typed as whole days ("7"); it
// returns a CauseHoldPeriodInvalid error (Reason.Code: the text) for
// anything but a whole number from MinHoldDays to MaxHoldDays.
func ParseHoldPeriodDays(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	n, err := strconv.Atoi(t)
	if err != nil || n < MinHoldDays || n > MaxHoldDays {
		return 0, holdPeriodErr(t)
	}
	return time.Duration(n) * holdDay, nil
}

// HoldPeriodDays is the hold period in whole days, and false when it is
// not a whole number of days (an environment override like 36h).
func HoldPeriodDays(d time.Duration) (int, bool) {
	if d <= 0 || d%holdDay != 0 {
		return 0, false
	}
	return int(d / holdDay), true
}

// validHoldPeriod refuses a hold period that is not whole days from
// MinHoldDays to MaxHoldDays.
func validHoldPeriod(d time.Duration) error {
	n, ok := HoldPeriodDays(d)
	if !ok || n < MinHoldDays || n > MaxHoldDays {
		return holdPeriodErr(d.String())
	}
	return nil
}

// holdPeriodErr is the typed error for a hold period given as text (cut
// to 16 bytes: a config file may hold anything there).
func holdPeriodErr(given string) error {
	if len(given) > 16 {
		given = strings.ToValidUTF8(given[:16], "") + "…"
	}
	return errorOf(ErrConfig, Reason{Cause: CauseHoldPeriodInvalid, Code: given,
		Detail: "hold_period_days: want whole days from 1 to 30, got " + strconv.Quote(given)})
}

// fileHoldDays is the hold period as the config file writes it: whole days,
// or nothing when it is not set or not whole days (an environment value).
func fileHoldDays(d time.Duration) *int {
	if n, ok := HoldPeriodDays(d); ok {
		return &n
	}
	return nil
}
