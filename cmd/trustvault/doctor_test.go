package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// TestDoctorExitStatus: 0 healthy, 1 warnings, 2 problems.
func TestDoctorExitStatus(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "trust")
	info := vaulttest.LiveDemo(t, filepath.Join(t.TempDir(), "trust"))
	broken := filepath.Join(t.TempDir(), "trust")
	bs, err := vault.Open(broken)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(bs.PrivateDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bs.KeyPath(strings.Repeat("ab", 32)), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		want      int
	}{
		{"empty", empty, exitHealthy},
		{"demo", info.Dir, exitWarnings},
		{"unreadable key", broken, exitProblems},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range [][]string{{"doctor"}, {"doctor", "--json"}} {
				var stdout, stderr bytes.Buffer
				got := run(append([]string{"--trust-dir", tc.dir}, args...), strings.NewReader(""), &stdout, &stderr, nil)
				if got != tc.want {
					t.Errorf("%v: exit %d, want %d\n%s%s", args, got, tc.want, stdout.String(), stderr.String())
				}
				if stderr.Len() != 0 {
					t.Errorf("%v: stderr %q", args, stderr.String())
				}
			}
		})
	}
}
