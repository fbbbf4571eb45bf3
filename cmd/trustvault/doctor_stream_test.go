package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// TestDoctorOutputUnchanged: doctor, which prints each finding as it
// comes, prints byte for byte what it printed when it built the whole
// output from health.Check's findings (the writers below are that code),
// as text and as JSON, on an empty store and on the demo store spoilt
// with an unreadable key, loose modes, an unencrypted key whose headers
// need JSON escaping, and unreadable backup records.
func TestDoctorOutputUnchanged(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "trust")
	info := vaulttest.LiveDemo(t, filepath.Join(t.TempDir(), "trust"))
	s, err := vault.Open(info.Dir)
	if err != nil {
		t.Fatal(err)
	}
	spoil(t, s)
	for _, dir := range []string{empty, info.Dir} {
		a := &app{trustDir: dir}
		fs := health.Check(mustOpen(t, dir), time.Now(), a.command())
		var want [2]bytes.Buffer
		if err := oldDoctorText(&want[0], dir, fs); err != nil {
			t.Fatal(err)
		}
		if err := oldDoctorJSON(&want[1], fs); err != nil {
			t.Fatal(err)
		}
		for i, args := range [][]string{{"doctor"}, {"doctor", "--json"}} {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"--trust-dir", dir}, args...), strings.NewReader(""), &stdout, &stderr, nil)
			if got := stdout.String(); got != want[i].String() {
				t.Errorf("%s %v (exit %d) printed:\n%s\nwant:\n%s", dir, args, code, got, want[i].String())
			}
			if dir == info.Dir && code != exitProblems {
				t.Errorf("%v: exit %d, want %d (an unreadable key)", args, code, exitProblems)
			}
		}
	}
}

func mustOpen(t *testing.T, dir string) *vault.Store {
	t.Helper()
	s, err := vault.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// spoil gives a store findings of many kinds, and texts that JSON escapes.
func spoil(t *testing.T, s *vault.Store) {
	t.Helper()
	vaulttest.WriteFile(t, s.KeyPath(strings.Repeat("ab", 32)), []byte("not a key"))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := tuf.CanonicalID(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	block := &pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"role": "signer-\"ü\"", "gun": "registry.example.com/a&b<c>"}, Bytes: der}
	vaulttest.WriteFile(t, s.KeyPath(id), pem.EncodeToMemory(block))
	if err := os.Chmod(s.KeyPath(id), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.PrivateDir(), 0o750); err != nil {
		t.Fatal(err)
	}
	vaulttest.WriteFile(t, filepath.Join(s.Dir(), "trustvault", "backups.json"), []byte("{"))
}

// oldDoctorText and oldDoctorJSON are doctor's writers before it streamed.
func oldDoctorText(w io.Writer, dir string, fs []health.Finding) error {
	var b strings.Builder
	if len(fs) == 0 {
		fmt.Fprintf(&b, "%s: nothing needs attention.\n", dir)
		_, err := io.WriteString(w, b.String())
		return err
	}
	for _, f := range fs {
		subject := []string{f.Check}
		if f.GUN != "" {
			subject = append(subject, f.GUN)
		}
		if f.KeyID != "" {
			subject = append(subject, "key "+vault.ShortID(f.KeyID))
		}
		fmt.Fprintf(&b, "%-8s %s\n         %s\n         fix: %s\n", severityMark(f.Severity), strings.Join(subject, " · "), f.Message, f.Fix)
	}
	fmt.Fprintf(&b, "\n%s: %s, %s, %s.\n", dir,
		plural(health.Count(fs, health.SeverityProblem), "problem", "problems"),
		plural(health.Count(fs, health.SeverityWarning), "warning", "warnings"),
		plural(health.Count(fs, health.SeverityInfo), "note", "notes"))
	_, err := io.WriteString(w, b.String())
	return err
}

func oldDoctorJSON(w io.Writer, fs []health.Finding) error {
	type findingJSON struct {
		Check    string `json:"check"`
		Severity string `json:"severity"`
		KeyID    string `json:"key_id"`
		GUN      string `json:"gun"`
		Message  string `json:"message"`
		Fix      string `json:"fix"`
	}
	out := struct {
		Findings []findingJSON `json:"findings"`
	}{Findings: make([]findingJSON, 0, len(fs))}
	for _, f := range fs {
		out.Findings = append(out.Findings, findingJSON{
			Check: f.Check, Severity: f.Severity.String(), KeyID: f.KeyID, GUN: f.GUN, Message: f.Message, Fix: f.Fix,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
