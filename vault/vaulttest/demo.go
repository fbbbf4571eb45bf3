package vaulttest

import (
	mathrand "math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
)

// Now is the tests' clock: the moment the deterministic demo vault is set
// in (2026-11-21 12:00 UTC). It is a function so that it can be passed
// where a clock is wanted (ui.Options.Now).
func Now() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }

// demoSeed is the seed of the deterministic demo vault; the golden files
// of ui were made with it.
var demoSeed = [32]byte{'t', 'u', 'i'}

// DemoIn generates the deterministic demo vault (a fixed seed, set at Now)
// into dir, which must not exist or be empty: the same keys, IDs and
// metadata on every run.
func DemoIn(t testing.TB, dir string) *demo.Info {
	t.Helper()
	info, err := demo.Generate(dir, demo.Options{Rand: mathrand.NewChaCha8(demoSeed), Now: Now()})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// Demo is DemoIn a fresh temporary directory, and the store opened on it.
func Demo(t testing.TB) (*demo.Info, *vault.Store) {
	t.Helper()
	info := DemoIn(t, filepath.Join(t.TempDir(), "trust"))
	s, err := vault.Open(info.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return info, s
}

// LiveDemo generates a demo vault with fresh keys, set in the present, into
// dir: for tests that hand it to the built binary, whose clock is the real
// one (against Now, its expiring metadata would have expired).
func LiveDemo(t testing.TB, dir string) *demo.Info {
	t.Helper()
	info, err := demo.Generate(dir, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return info
}
