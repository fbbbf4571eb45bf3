package main

import (
	"fmt"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/token"
)

// withTokens marks the keys that are on a Yubikey plugged in (the token
// wins; a file with the same key is its backup) and adds the keys only on
// a token. Without pcscd, or without cgo, keys are returned as they are;
// any other token trouble is a warning on standard error.
func (a *app) withTokens(op string, keys []vault.Key) []vault.Key {
	return token.Locate(keys, a.tokenKeys(op))
}

// tokenRefJSON is where on a token a key is, in list --json.
type tokenRefJSON struct {
	Serial   uint32 `json:"serial"`
	Slot     string `json:"slot"`
	Model    string `json:"model"`
	Firmware string `json:"firmware"`
}

func newTokenRefJSON(r *vault.TokenRef) *tokenRefJSON {
	if r == nil {
		return nil
	}
	return &tokenRefJSON{Serial: r.Serial, Slot: r.Slot, Model: r.Model, Firmware: r.Firmware}
}

// appendTokenRefJSON appends a TokenRef as tokenRefJSON encodes.
func appendTokenRefJSON(b []byte, r *vault.TokenRef) []byte {
	b = fmt.Appendf(b, `{"serial":%d,"slot":`, r.Serial)
	b = appendJSONString(b, r.Slot)
	b = append(b, `,"model":`...)
	b = appendJSONString(b, r.Model)
	b = append(b, `,"firmware":`...)
	b = appendJSONString(b, r.Firmware)
	return append(b, '}')
}
