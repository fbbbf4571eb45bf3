package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/trustvault/trustvault/vault"
)

// Keys on tokens through the hand-written encoder and encoding/json alike.
func TestKeyJSONWithToken(t *testing.T) {
	keys := benchKeys(2)
	ref := vault.TokenRef{Serial: 10000001, Slot: "9c", Model: "YubiKey 4", Firmware: "4.3.7"}
	keys[0].Location, keys[0].Token = vault.LocationToken, &ref // a file copy of a token key
	keys = append(keys, vault.Key{ID: keys[1].ID, Role: "root", Location: vault.LocationToken, Token: &ref, Algorithm: "ecdsa"})
	for i, k := range keys {
		got := appendKeyJSON(nil, &k)
		want, err := json.Marshal(newKeyJSON(k))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("key %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
