package vault

import (
	"bytes"
	"encoding/pem"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// canonicalSeeds are key files as docker, notary and trustvault write them,
// and near misses.
func canonicalSeeds(t testing.TB) [][]byte {
	t.Helper()
	var seeds [][]byte
	for _, b := range []*pem.Block{
		{Type: "ENCRYPTED PRIVATE KEY", Headers: map[string]string{"role": "targets", "gun": "docker.io/acme/app"}, Bytes: bytes.Repeat([]byte{0x30, 0x81, 0xee}, 80)},
		{Type: "EC PRIVATE KEY", Headers: map[string]string{"role": "root"}, Bytes: []byte{1, 2, 3}},
		{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}, Bytes: bytes.Repeat([]byte{7}, 48)},
		{Type: "PRIVATE KEY", Bytes: bytes.Repeat([]byte{9}, 64)},
		{Type: "PRIVATE KEY"},
	} {
		seeds = append(seeds, pem.EncodeToMemory(b))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.key"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	return seeds
}

// TestCanonicalPEMTakesWhatPemEncodeWrites: the fast path is taken for
// pem.Encode's layout (else it would speed nothing up) and gives the block
// pem.Decode gives.
func TestCanonicalPEMTakesWhatPemEncodeWrites(t *testing.T) {
	for i, data := range canonicalSeeds(t)[:5] {
		got, ok := decodeCanonicalPEM(data)
		if !ok {
			t.Errorf("seed %d not taken:\n%s", i, data)
			continue
		}
		want, _ := pem.Decode(data)
		if !sameBlock(got, want) {
			t.Errorf("seed %d: %+v, pem.Decode %+v", i, got, want)
		}
	}
	for _, data := range []string{
		"-----BEGIN X-----\r\nAAAA\r\n-----END X-----\r\n",                // CRLF: pem.Decode's
		"-----BEGIN X-----\nAAAA\n-----END X-----\n\n-----BEGIN Y-----\n", // something after
		"-----BEGIN X-----\nk: -----BEGIN Y\n\nAAAA\n-----END X-----\n",   // a BEGIN in a header
		"-----BEGIN X-----\nk: v\nAAAA\n-----END X-----\n",                // no empty line after headers
		"-----BEGIN X-----\nAAAA\n-----END Y-----\n",                      // another type at the end
		"junk\n-----BEGIN X-----\nAAAA\n-----END X-----\n",                // text before
	} {
		if _, ok := decodeCanonicalPEM([]byte(data)); ok {
			t.Errorf("taken: %q", data)
		}
	}
}

func sameBlock(a, b *pem.Block) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Type == b.Type && maps.Equal(a.Headers, b.Headers) && bytes.Equal(a.Bytes, b.Bytes)
}

// FuzzCanonicalPEM: whenever the fast path takes a file, pem.Decode finds
// the same block and nothing after it, so decodeKeyFile says the same of
// every file either way.
func FuzzCanonicalPEM(f *testing.F) {
	for _, s := range canonicalSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := decodeCanonicalPEM(data)
		if !ok {
			return
		}
		want, rest := pem.Decode(data)
		if !sameBlock(got, want) {
			t.Fatalf("fast %+v, pem.Decode %+v", got, want)
		}
		if extra, _ := pem.Decode(rest); extra != nil {
			t.Fatalf("pem.Decode finds a second block %q", extra.Type)
		}
	})
}
