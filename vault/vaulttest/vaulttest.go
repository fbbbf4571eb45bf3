// Package vaulttest is trustvault's test kit: helpers that tests in several
// packages share (a store in a temporary directory, fixed passphrases, file
// writers and tree snapshots, the demo vault and the tests' clock). It is
// imported only by tests and test kits. Its sub-package tools drives the
// real programs (notary, docker, tmux, the built binary) and decides
// whether a missing one skips or fails a test.
//
// vaulttest may import vault, vault/demo, the tools sub-package and the
// standard library; vault's and vault/demo's own internal tests cannot
// import it (that would be a cycle) and keep their helpers beside them.
package vaulttest

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
)

// PassFunc answers every passphrase request with p.
func PassFunc(p string) vault.PassphraseFunc {
	return func(vault.PassphraseRequest) ([]byte, error) { return []byte(p), nil }
}

// NewStore opens a store in a fresh directory with notary's cheap iteration
// count, so that tests do not spend a second per key.
func NewStore(t testing.TB) *vault.Store {
	t.Helper()
	s, err := vault.Open(filepath.Join(t.TempDir(), "trust"), vault.WithIterations(vault.CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// WriteFile writes data to path with mode 0600, creating its directories.
func WriteFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// SnapshotDiff says how two Snapshots differ ("added F, changed G,
// removed H", sorted), "" when they are the same.
func SnapshotDiff(before, after map[string]string) string {
	var out []string
	for k, v := range before {
		if w, ok := after[k]; !ok {
			out = append(out, "removed "+k)
		} else if w != v {
			out = append(out, "changed "+k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			out = append(out, "added "+k)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// Snapshot records every regular file under dir with its content, keyed by
// its path relative to dir.
func Snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// SetGUNHeader rewrites the key file at path so that its PEM header names
// gun: its gun: line replaced, or one added after role:, the rest of the
// file as it was. Tests of names that come from files use it.
func SetGUNHeader(t testing.TB, path, gun string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "gun:") {
			continue
		}
		out = append(out, l)
		if strings.HasPrefix(l, "role:") {
			out = append(out, "gun: "+gun)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
}
