package vault

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trustvault/trustvault/archive"
)

// TestKeysOfMatchesKeys: the keys a backup lists from the bytes it has
// read are the keys Keys lists, for every file the backup takes (flat and
// legacy layouts, an unencrypted key, garbage with a key's name).
func TestKeysOfMatchesKeys(t *testing.T) {
	dir := t.TempDir()
	priv := filepath.Join(dir, privateDir)
	src := filepath.Join("testdata", "keys")
	var bodies [][]byte
	for _, f := range []string{
		"notary/86293d572537830d60f0e6268d8e736586f8716d97c26e9490be6219081dfbc6.key",
		"notary/8f130292fb055bde476f1b9217760b1cc4a1fe27cd30905e4da273b9953f0f17.key",
		"openssl/ec-plain.pem",
	} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	write := func(rel string, data []byte) {
		p := filepath.Join(priv, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		write(fmt.Sprintf("%064x.key", i*7919+3), bodies[i%len(bodies)])
	}
	write("root_keys/"+fmt.Sprintf("%064x", 1)+"_root.key", bodies[0])
	write("tuf_keys/example.com/app/"+fmt.Sprintf("%064x", 2)+"_targets.key", bodies[1])
	write(fmt.Sprintf("%064x.key", 4), []byte("not a key"))
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	_, got, _, err := s.collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 33 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("backup lists %d keys:\n%v\nKeys lists %d:\n%v", len(got), got, len(want), want)
	}
}

// TestArchiveCheck: each copy read back must be the archive byte for
// byte, and the archive must open; a copy with one byte changed, and an
// archive that does not open, fail the check.
func TestArchiveCheck(t *testing.T) {
	files := []archive.File{{Name: "private/" + fmt.Sprintf("%064x", 9) + ".key", Data: []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")}}
	data, _, err := archive.Build(files, archive.BuildOptions{Version: "test", Created: time.Unix(1_700_000_000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	check := archiveCheck(data, nil)
	if err := check(bytes.Clone(data)); err != nil {
		t.Errorf("the archive itself: %v", err)
	}
	changed := bytes.Clone(data)
	changed[len(changed)/2] ^= 1
	if err := check(changed); err == nil {
		t.Error("a copy with one byte changed passed")
	}
	damaged := bytes.Clone(data)
	damaged[len(damaged)-5] ^= 1 // the gzip CRC
	if err := archiveCheck(damaged, nil)(bytes.Clone(damaged)); err == nil {
		t.Error("an archive whose gzip CRC is wrong passed")
	}
}
