package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
)

func benchKeys(n int) []vault.Key {
	keys := make([]vault.Key, n)
	for i := range keys {
		keys[i] = vault.Key{
			ID:         fmt.Sprintf("%064x", i*7919),
			Role:       "targets",
			GUN:        fmt.Sprintf("registry.example.com:5000/team-%03d/service-%03d", i%50, i%500),
			Path:       fmt.Sprintf("/tmp/trustvault-bench/trust/private/%064x.key", i*7919),
			Location:   vault.LocationFile,
			Layout:     vault.LayoutFlat,
			Encryption: vault.Encryption{Scheme: vault.SchemePBES2, PRF: "hmacWithSHA1", Iterations: 2048, Cipher: "aes256-cbc"},
			Mode:       0o600,
			Size:       467,
			ModTime:    time.Unix(1_700_000_000, 0),
		}
	}
	return keys
}

// BenchmarkListJSON10k is the output side of `trustvault list --json` on
// 10,000 keys: sorting and encoding.
func BenchmarkListJSON10k(b *testing.B) {
	keys := benchKeys(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := writeKeysJSON(io.Discard, sortKeys(keys)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKeyJSONMatchesSchema checks the hand-written encoder against
// encoding/json on keyJSON, with awkward strings and both kinds of entry.
func TestKeyJSONMatchesSchema(t *testing.T) {
	keys := benchKeys(3)
	keys[0].GUN = "odd\"gun\\with\ttabs\x01<&>\u2028ünï\xff"
	keys[0].Mode = 0o7
	keys[1].Err = errors.New("no PEM block found: \"quoted\"\n")
	keys[1].Algorithm = "ecdsa"
	keys[2].Encryption = vault.Encryption{Scheme: vault.SchemeNone}
	keys[2].ModTime = time.Time{}
	keys[2].Mode = 0o644
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

func BenchmarkSortKeys10k(b *testing.B) {
	keys := benchKeys(10_000)
	slices.SortFunc(keys, func(x, y vault.Key) int { return strings.Compare(x.ID, y.ID) })
	b.ReportAllocs()
	for b.Loop() {
		sortKeys(keys)
	}
}

// FuzzAppendJSONString checks the hand-written string encoder against
// encoding/json on any input, valid UTF-8 or not.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\" back\\ tab\t nl\n", "<&>", "\u2028\u2029", "ünïcødé", "\xff\xfe", "\x00\x1f\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}
