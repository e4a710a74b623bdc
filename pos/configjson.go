package pos

import (
	"encoding/json"
	"errors"
	"time"
)

// fileDuration is a duration in the config file: written as text ("2m0s"),
// read as text or as the nanoseconds older versions wrote.
type fileDuration time.Duration

// errFileDuration: a duration in the config file is neither text nor a number.
var errFileDuration = errors.New("sale_timeout: want a duration like 30s")

// MarshalJSON writes the duration as text.
func (d fileDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads text ("30s") or nanoseconds (30000000000).
func (d *fileDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		x, err := time.ParseDuration(s)
		if err != nil {
			return errFileDuration
		}
		*d = fileDuration(x)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return errFileDuration
	}
	*d = fileDuration(n)
	return nil
}

// configPlain is Config without its JSON methods.
type configPlain Config

// MarshalJSON writes the config file's form: durations as text.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		configPlain
		SaleTimeout fileDuration `json:"sale_timeout,omitempty"`
		HoldPeriod  *int         `json:"hold_period_days,omitempty"`
	}{configPlain(c), fileDuration(c.SaleTimeout), fileHoldDays(c.HoldPeriod)})
}

// UnmarshalJSON reads the config file's form (durations as text or
// nanoseconds).
func (c *Config) UnmarshalJSON(b []byte) error {
	aux := struct {
		*configPlain
		SaleTimeout *fileDuration   `json:"sale_timeout,omitempty"`
		HoldPeriod  json.RawMessage `json:"hold_period_days,omitempty"`
	}{configPlain: (*configPlain)(c)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	if aux.SaleTimeout != nil {
		c.SaleTimeout = time.Duration(*aux.SaleTimeout)
	}
	if aux.HoldPeriod != nil && string(aux.HoldPeriod) != "null" {
		d, err := ParseHoldPeriodDays(string(aux.HoldPeriod))
		if err != nil {
			return err
		}
		c.HoldPeriod = d
	}
	return nil
}
