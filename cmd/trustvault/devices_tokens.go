package main

import (
	"errors"
	"time"

	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/token"
)

// tokenJSON is one PIV token in `devices --json` ("tokens") and
// `yubikey info --json`.
type tokenJSON struct {
	Serial   uint32 `json:"serial"`
	Model    string `json:"model"`
	Firmware string `json:"firmware"`
	Reader   string `json:"reader"`
	// PINRetries is the tries left (-1 when the token could not say);
	// PUKRetries is null when the token cannot say (a YubiKey 4).
	PINRetries int  `json:"pin_retries"`
	PUKRetries *int `json:"puk_retries"`
	// PIN, PUK and ManagementKey are "factory", "changed" or "unknown", as
	// the token says (never tried).
	PIN                 string          `json:"pin"`
	PUK                 string          `json:"puk"`
	ManagementKey       string          `json:"management_key"`
	ManagementKeyStored bool            `json:"management_key_stored"`
	PINChanged          string          `json:"pin_changed,omitempty"`
	SetUp               bool            `json:"set_up"`
	Slots               []tokenSlotJSON `json:"slots"`
	// Keys are the Docker Content Trust keys on the token.
	Keys  []tokenKeyJSON `json:"keys"`
	Error string         `json:"error,omitempty"`
}

type tokenSlotJSON struct {
	Slot string `json:"slot"`
	// Key is "generated", "imported", "unknown" (a YubiKey 4 cannot tell an
	// imported key from none) or "none".
	Key         string `json:"key"`
	Algorithm   string `json:"algorithm,omitempty"`
	PINPolicy   string `json:"pin_policy,omitempty"`
	TouchPolicy string `json:"touch_policy,omitempty"`
	Certificate string `json:"certificate,omitempty"` // the subject's common name
}

type tokenKeyJSON struct {
	ID   string `json:"id"`
	Role string `json:"role"`
	Slot string `json:"slot"`
}

// listTokens lists the PIV tokens plugged in. When tokens cannot be reached
// here at all (no pcscd, a build without cgo) the list is empty, unreachable
// says why and what to do, and the error is nil.
func listTokens() (tokens []tokenJSON, unreachable string, err error) {
	infos, _, err := token.List()
	if token.Unavailable(err) {
		return []tokenJSON{}, tokenError(err).Error(), nil
	}
	if err != nil {
		return []tokenJSON{}, "", tokenError(err)
	}
	out := make([]tokenJSON, 0, len(infos))
	for _, info := range infos {
		out = append(out, newTokenJSON(info))
	}
	return out, "", nil
}

// tokenError adds what to do to a token error.
func tokenError(err error) error {
	if advice := health.Advice(err); advice != "" {
		return &advisedError{err: err, advice: advice}
	}
	return err
}

// advisedError is an error with what to do next.
type advisedError struct {
	err    error
	advice string
}

// Error is the cause and what to do about it.
func (e *advisedError) Error() string {
	return e.err.Error() + "; " + e.advice
}
func (e *advisedError) Unwrap() error { return e.err }

func newTokenJSON(info token.Info) tokenJSON {
	j := tokenJSON{
		Serial: info.Serial, Model: info.Model, Firmware: info.Version.String(), Reader: info.Reader,
		PIN: info.PIN.State.String(), PUK: info.PUK.State.String(),
		ManagementKey: info.ManagementKey.State.String(), ManagementKeyStored: info.ManagementKey.Stored,
		SetUp: info.SetUp(), Slots: []tokenSlotJSON{}, Keys: []tokenKeyJSON{}, PINRetries: -1,
	}
	if info.Err != nil {
		j.Error = info.Err.Error()
		if advice := health.Advice(info.Err); advice != "" && !errors.Is(info.Err, token.ErrRemoved) {
			j.Error += "; " + advice
		}
		return j
	}
	j.PINRetries = info.PIN.Retries
	if info.PUK.Retries >= 0 {
		n := info.PUK.Retries
		j.PUKRetries = &n
	}
	if !info.PINChanged.IsZero() {
		j.PINChanged = info.PINChanged.UTC().Format(time.RFC3339)
	}
	for _, s := range info.Slots {
		sj := tokenSlotJSON{Slot: s.Slot.String(), Key: slotKeyWord(s), Algorithm: s.Algorithm}
		if s.HasKey() || s.Origin.String() != "none" {
			if p := s.PINPolicy.String(); p != "unknown" {
				sj.PINPolicy = p
			}
			if p := s.TouchPolicy.String(); p != "unknown" {
				sj.TouchPolicy = p
			}
		}
		if s.Certificate != nil {
			sj.Certificate = s.Certificate.Subject.CommonName
		}
		j.Slots = append(j.Slots, sj)
	}
	for _, k := range token.KeysOf([]token.Info{info}) {
		j.Keys = append(j.Keys, tokenKeyJSON{ID: k.ID, Role: k.Role, Slot: k.Token.Slot})
	}
	return j
}

// slotKeyWord says in one word what is known of a slot's key.
func slotKeyWord(s token.Slot) string {
	switch s.Origin.String() {
	case "generated on the token":
		return "generated"
	case "imported":
		return "imported"
	case "none":
		return "none"
	}
	return "unknown"
}
