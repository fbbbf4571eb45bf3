package archive

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"
	"time"
)

// benchFiles are n key files of a key file's size, base64 of random bytes
// as real ones are, with their manifest keys.
func benchFiles(b *testing.B, n int) ([]File, []Key) {
	b.Helper()
	files := make([]File, n)
	keys := make([]Key, n)
	raw := make([]byte, 360)
	for i := range files {
		rand.Read(raw)
		id := fmt.Sprintf("%064x", i)
		name := "private/" + id + ".key"
		files[i] = File{Name: name, Data: []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: targets\n\n" + base64.StdEncoding.EncodeToString(raw) + "\n-----END ENCRYPTED PRIVATE KEY-----\n"), ModTime: time.Unix(1700000000, 0)}
		keys[i] = Key{ID: id, Role: "targets", GUN: "registry.example.com/team/app", Entry: name}
	}
	return files, keys
}

func BenchmarkBuild10k(b *testing.B) {
	files, keys := benchFiles(b, 10_000)
	opts := BuildOptions{Version: "bench", Created: time.Unix(1700000000, 0), Keys: keys}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Build(files, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen10k(b *testing.B) {
	files, keys := benchFiles(b, 10_000)
	data, _, err := Build(files, BuildOptions{Version: "bench", Created: time.Unix(1700000000, 0), Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Open(data, nil, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
