package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/token"
)

// streamFixture is a trust directory with every kind of entry a listing
// meets: flat keys with and without GUNs, the legacy layouts, a stray file,
// an unreadable file, a directory named like a key, garbage, and a symlink
// (skipped).
func streamFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "trust")
	priv := filepath.Join(dir, "private")
	src := "../../vault/testdata/keys"
	var bodies [][]byte
	for _, f := range []string{
		"notary/86293d572537830d60f0e6268d8e736586f8716d97c26e9490be6219081dfbc6.key",
		"notary/8f130292fb055bde476f1b9217760b1cc4a1fe27cd30905e4da273b9953f0f17.key",
		"openssl/ec-legacy-aes256.pem", "openssl/ec-plain.pem", "openssl/rsa-pkcs1.pem", "openssl/ec-pkcs8-sha256.pem",
	} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	write := func(rel string, data []byte, mode os.FileMode) {
		p := filepath.Join(priv, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		id := fmt.Sprintf("%064x", i*104729+7)
		write(id+".key", bodies[i%len(bodies)], 0o600)
	}
	write("root_keys/"+fmt.Sprintf("%064x", 1)+"_root.key", bodies[0], 0o600)
	write("tuf_keys/example.com/app/"+fmt.Sprintf("%064x", 2)+"_targets.key", bodies[1], 0o644)
	write("stray/"+fmt.Sprintf("%064x", 3)+".key", bodies[2], 0o600)
	write("not-an-id.key", []byte("garbage, no PEM"), 0o600)
	write(fmt.Sprintf("%064x", 4)+".key", []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), 0o600)
	if err := os.Mkdir(filepath.Join(priv, fmt.Sprintf("%064x", 5)+".key"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(src, "3cc0f1a66c3cae111b418aa48e3a71bdb0d8a64f7c74dad053032eb44bbbd1f3.key"),
		filepath.Join(priv, "3cc0f1a66c3cae111b418aa48e3a71bdb0d8a64f7c74dad053032eb44bbbd1f3.key")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestStreamedListMatchesKeys: the compact, streamed listing prints exactly
// what sorting Store.Keys (with token.Locate) prints, as JSON and as a
// table, with and without --gun and with keys on a token (one also in a
// file, one only on the token) and certificates on a token that does not
// show its key (token_certificate, and the table's note).
func TestStreamedListMatchesKeys(t *testing.T) {
	dir := streamFixture(t)
	s, err := vault.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 45 {
		t.Fatalf("fixture lists %d keys", len(keys))
	}
	gunOf := ""
	for _, k := range keys {
		if k.GUN != "" && k.Err == nil {
			gunOf = k.GUN
			break
		}
	}
	onToken := token.Key{ID: keys[3].ID, Role: "root", Token: vault.TokenRef{Serial: 7, Slot: "9c", Model: "YubiKey 5", Firmware: "5.4.3"}, Algorithm: "ecdsa", Proven: true}
	tokenOnly := token.Key{ID: fmt.Sprintf("%064x", 99), Role: "targets", Token: vault.TokenRef{Serial: 7, Slot: "9d"}, Algorithm: "ecdsa", Proven: true}
	certOnFile := token.Key{ID: keys[5].ID, Role: "targets", Token: vault.TokenRef{Serial: 8, Slot: "9a", Model: "YubiKey 4", Firmware: "4.3.7"}}
	certOnly := token.Key{ID: fmt.Sprintf("%064x", 98), Role: "snapshot", Token: vault.TokenRef{Serial: 8, Slot: "9e"}}
	twice := onToken // the same key in a second slot: listed once, at the first
	twice.Token.Slot = "82"
	certs := []token.Key{onToken, tokenOnly, certOnFile, certOnly, twice}
	for _, tc := range []struct {
		gun string
		tks []token.Key
	}{{"", nil}, {gunOf, nil}, {"", []token.Key{onToken, tokenOnly}}, {gunOf, []token.Key{tokenOnly}}, {"", certs}, {gunOf, certs}} {
		want := slices.Clone(token.Locate(keys, tc.tks))
		if tc.gun != "" {
			want = slices.DeleteFunc(want, func(k vault.Key) bool { return k.GUN != tc.gun })
		}
		l := newKeyRecords(dir, tc.gun, tc.tks)
		if err := s.ScanKeys(l.add); err != nil {
			t.Fatal(err)
		}
		l.addTokenOnly()
		l.sort()
		var wantJSON, gotJSON, wantTable, gotTable bytes.Buffer
		if err := writeKeysJSON(&wantJSON, sortKeys(want)); err != nil {
			t.Fatal(err)
		}
		if err := writeKeySeqJSON(&gotJSON, l.all()); err != nil {
			t.Fatal(err)
		}
		if err := writeKeysTable(&wantTable, dir, slices.Values(sortKeys(want)), "trustvault generate --role root"); err != nil {
			t.Fatal(err)
		}
		if err := writeKeysTable(&gotTable, dir, l.all(), "trustvault generate --role root"); err != nil {
			t.Fatal(err)
		}
		for _, field := range wantFields(tc.gun, tc.tks) {
			if !strings.Contains(gotJSON.String()+gotTable.String(), field) {
				t.Errorf("gun %q, %d token keys: the listing lacks %q", tc.gun, len(tc.tks), field)
			}
		}
		if gotJSON.String() != wantJSON.String() {
			t.Errorf("gun %q, %d token keys: streamed JSON differs:\n%s\nwant\n%s", tc.gun, len(tc.tks), gotJSON.String(), wantJSON.String())
		}
		if gotTable.String() != wantTable.String() {
			t.Errorf("gun %q, %d token keys: streamed table differs:\n%s\nwant\n%s", tc.gun, len(tc.tks), gotTable.String(), wantTable.String())
		}
	}
}

// TestScanKeysEmpty: no private/ is an empty store, as for Keys.
func TestScanKeysEmpty(t *testing.T) {
	s, err := vault.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := s.ScanKeys(func(*vault.Key) { n++ }); err != nil || n != 0 {
		t.Fatalf("ScanKeys on an empty directory: %d keys, %v", n, err)
	}
}

// wantFields are strings the listing of the fixture must show for tks: a
// comparison of two empty outputs would prove nothing. (With --gun the
// keys the certificates name are not listed.)
func wantFields(gun string, tks []token.Key) []string {
	var out []string
	if gun != "" {
		return nil
	}
	for _, tk := range tks {
		if !tk.Proven {
			out = append(out, `"token_certificate":{"serial":`+fmt.Sprint(tk.Token.Serial), "key there not shown")
		}
	}
	return out
}
