package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeNewFile writes the whole file through vault.WriteFile (no temporary
// file left beside it) and never replaces one that exists.
func TestWriteNewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key.pub")
	if err := writeNewFile(path, []byte("public 1\n")); err != nil {
		t.Fatal(err)
	}
	err := writeNewFile(path, []byte("public 2\n"))
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second write: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "public 1\n" {
		t.Errorf("file: %q, %v", b, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode: %v, %v", fi.Mode(), err)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("files left in %s: %v", dir, es)
	}
	if err := writeNewFile(filepath.Join(dir, "no", "such", "dir", "k.pub"), []byte("x")); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}
