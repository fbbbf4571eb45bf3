package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/passphrase"
)

const (
	weakPass   = "Tr0ub4dor&3"               // estimated at about 44 bits
	strongPass = "Fq9-Zt4m-Lw2x-Rk7p-Hy3c-V" // well above 80 bits
)

// policyPrompts is a prompt source with the default policy.
func policyPrompts(answers []string, allowWeak bool, env map[string]string) (*passphrases, *bytes.Buffer) {
	var out bytes.Buffer
	pol := passphrase.DefaultPolicy()
	return &passphrases{
		getenv:    func(k string) string { return env[k] },
		term:      &fakeTerminal{answers: answers},
		out:       &out,
		policy:    &pol,
		allowWeak: allowWeak,
	}, &out
}

func TestPromptPolicy(t *testing.T) {
	id := strings.Repeat("3c", 32)
	for _, tc := range []struct {
		name      string
		answers   []string
		role      string
		allowWeak bool
		want      string
		is        error
		out       []string // in order
	}{
		{
			name:    "too weak, then a strong one confirmed",
			answers: []string{weakPass, strongPass, strongPass},
			role:    "root",
			want:    strongPass,
			out: []string{
				"Enter passphrase for new root key with ID 3c3c3c3: ",
				"Passphrase too weak for a root key: about 44 bits, the minimum is 80; use `trustvault passphrase --words 7` or a longer one.",
				"Enter passphrase for new root key with ID 3c3c3c3: ",
				"Repeat passphrase for new root key with ID 3c3c3c3: ",
			},
		},
		{
			name:    "a delegation needs 64 bits",
			answers: []string{"correct horse battery staple", strongPass, strongPass},
			role:    "targets/releases",
			want:    strongPass,
			out:     []string{"Passphrase too weak for a delegation key (targets/releases): about 62 bits, the minimum is 64; use `trustvault passphrase --words 5`"},
		},
		{
			name:    "a generated passphrase passes",
			answers: []string{"crayfish-unsworn-mantis-dawdler-flaccid-skittle-eclipse", "crayfish-unsworn-mantis-dawdler-flaccid-skittle-eclipse"},
			role:    "root",
			want:    "crayfish-unsworn-mantis-dawdler-flaccid-skittle-eclipse",
		},
		{
			name:    "mismatched confirmation",
			answers: []string{strongPass, strongPass + "x", strongPass, strongPass},
			role:    "targets",
			want:    strongPass,
			out:     []string{"Repeat passphrase", "Passphrases do not match. Please retry.", "Enter passphrase", "Repeat passphrase"},
		},
		{
			name:    "cancelled after a refusal",
			answers: []string{weakPass},
			role:    "targets",
			is:      vault.ErrAborted,
			out:     []string{"Passphrase too weak for a targets key"},
		},
		{
			name:    "four weak ones: no passphrase",
			answers: []string{weakPass, weakPass, weakPass, weakPass},
			role:    "snapshot",
			is:      vault.ErrAborted,
		},
		{
			name:      "--allow-weak: accepted with a warning",
			answers:   []string{weakPass, weakPass},
			role:      "root",
			allowWeak: true,
			want:      weakPass,
			out:       []string{"trustvault: warning: the new passphrase is too weak for a root key: about 44 bits, the minimum is 80; accepted because of --allow-weak"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, out := policyPrompts(tc.answers, tc.allowWeak, nil)
			got, err := p.get(vault.PassphraseRequest{KeyID: id, Role: tc.role, New: true, Attempt: 1})
			wantPassphrase(t, got, err, tc.want, tc.is)
			wantInOrder(t, out.String(), tc.out)
			// A refused passphrase is never echoed.
			if strings.Contains(out.String(), weakPass) {
				t.Errorf("output contains the passphrase:\n%s", out.String())
			}
		})
	}
}

func TestEnvPolicy(t *testing.T) {
	env := map[string]string{"NOTARY_ROOT_PASSPHRASE": weakPass, "NOTARY_TARGETS_PASSPHRASE": strongPass}
	newRoot := vault.PassphraseRequest{Role: "root", New: true, Attempt: 1}

	p, _ := policyPrompts(nil, false, env)
	_, err := p.get(newRoot)
	var we *weakEnvError
	if !errors.As(err, &we) || !errors.Is(err, passphrase.ErrWeak) {
		t.Fatalf("weak root variable: err = %#v", err)
	}
	want := "NOTARY_ROOT_PASSPHRASE: passphrase too weak for a root key: about 44 bits, the minimum is 80; use `trustvault passphrase --words 7` or a longer one, or give --allow-weak to accept it"
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
	if strings.Contains(err.Error(), weakPass) {
		t.Error("the error holds the passphrase")
	}

	// An existing key's passphrase is not judged.
	if got, err := p.get(vault.PassphraseRequest{Role: "root", Attempt: 1}); err != nil || string(got) != weakPass {
		t.Errorf("existing root key: %q, %v", got, err)
	}
	// A strong variable passes silently.
	p, out := policyPrompts(nil, false, env)
	if got, err := p.get(vault.PassphraseRequest{Role: "targets", New: true, Attempt: 1}); err != nil || string(got) != strongPass || out.Len() != 0 {
		t.Errorf("strong targets variable: %q, %v, output %q", got, err, out)
	}
	// --allow-weak: accepted with a warning naming the variable.
	p, out = policyPrompts(nil, true, env)
	if got, err := p.get(newRoot); err != nil || string(got) != weakPass {
		t.Errorf("--allow-weak: %q, %v", got, err)
	}
	if !strings.Contains(out.String(), "warning: the passphrase in NOTARY_ROOT_PASSPHRASE is too weak for a root key") {
		t.Errorf("--allow-weak output: %q", out)
	}
	// Without a policy (the engine's own tests, library use) nothing is judged.
	bare := &passphrases{getenv: func(k string) string { return env[k] }, out: &bytes.Buffer{}}
	if got, err := bare.get(newRoot); err != nil || string(got) != weakPass {
		t.Errorf("no policy: %q, %v", got, err)
	}
}

// A generate flow cancelled at the prompt after a refusal writes nothing.
func TestGenerateCancelledWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "trust")
	s, err := vault.Open(dir, vault.WithIterations(vault.CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := policyPrompts([]string{weakPass}, false, nil)
	if _, err := s.Generate("root", "", "", p.get); !errors.Is(err, vault.ErrAborted) || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("Generate = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "private")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("private/ exists after a cancelled generate: %v", err)
	}
}

// hardenApp is an app writing to buffers, for harden flows at a prompt.
func hardenApp() (*app, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return &app{stdout: &stdout, stderr: &stderr, env: map[string]string{}}, &stdout, &stderr
}

// compatStore makes a store with notary-style keys, each (role, gun,
// passphrase), and reopens it with the hardened count.
func compatStore(t *testing.T, keys ...[3]string) (*vault.Store, []vault.Key) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "trust")
	c, err := vault.Open(dir, vault.WithIterations(vault.CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	var out []vault.Key
	for _, k := range keys {
		key, err := c.Generate(k[0], k[1], "", func(vault.PassphraseRequest) ([]byte, error) { return []byte(k[2]), nil })
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, key)
	}
	s, err := vault.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, out
}

func fileContents(t *testing.T, keys []vault.Key) []string {
	t.Helper()
	var out []string
	for _, k := range keys {
		b, err := os.ReadFile(k.Path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// harden at a prompt: keys sharing a passphrase are asked for once; a wrong
// old passphrase changes nothing; cancelling stops and leaves the rest.
func TestHardenAtPrompt(t *testing.T) {
	t.Parallel()
	s, keys := compatStore(t,
		[3]string{"root", "", strongPass},
		[3]string{"targets", "docker.io/acme/a", "Repo-Kq7Zr2Vm9Tx4Lp"},
		[3]string{"targets", "docker.io/acme/b", "Repo-Kq7Zr2Vm9Tx4Lp"},
		[3]string{"targets/releases", "", "Rel-Kq7Zr2Vm9Tx4Lp"},
	)
	before := fileContents(t, keys)
	a, stdout, stderr := hardenApp()
	// root: wrong four times (fails); targets: right once (both keys);
	// releases: the person cancels (end of input).
	p, _ := policyPrompts([]string{"wrong-1", "wrong-2", "wrong-3", "wrong-4", "Repo-Kq7Zr2Vm9Tx4Lp"}, false, nil)
	var prompts bytes.Buffer
	p.out = &prompts
	pol := passphrase.DefaultPolicy()
	err := a.harden(s, vault.HardenOptions{Pass: p.get, Policy: &pol}, false)
	if !errors.Is(err, vault.ErrAborted) {
		t.Fatalf("harden = %v", err)
	}
	after := fileContents(t, keys)
	if after[0] != before[0] || after[3] != before[3] {
		t.Error("the failed root key or the cancelled releases key changed")
	}
	if after[1] == before[1] || after[2] == before[2] {
		t.Error("the targets keys were not hardened")
	}
	if n := strings.Count(prompts.String(), "Enter passphrase for targets key"); n != 1 {
		t.Errorf("asked %d times for the targets passphrase, want once:\n%s", n, prompts.String())
	}
	if n := strings.Count(prompts.String(), "Passphrase incorrect. Please retry."); n != 3 {
		t.Errorf("%d retries for root, want 3:\n%s", n, prompts.String())
	}
	for _, want := range []string{
		"failed ", "wrong passphrase (4 attempts); nothing was changed",
		"not tried", "Hardened 2, already hardened 0, failed 1, not tried 1 (cancelled).",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr.String(), "[4/4] targets/releases key") || !strings.Contains(stderr.String(), "cancelled") {
		t.Errorf("progress:\n%s", stderr)
	}
	if strings.Contains(stdout.String()+stderr.String()+prompts.String(), "Repo-Kq7Zr2Vm9Tx4Lp") {
		t.Error("a passphrase appears in the output")
	}
}

// harden --new-passphrase at a prompt: too weak and mismatched are asked
// again; the key then opens with the new passphrase only.
func TestHardenNewPassphraseAtPrompt(t *testing.T) {
	t.Parallel()
	s, keys := compatStore(t, [3]string{"targets", "docker.io/acme/a", "Old-Kq7Zr2Vm9Tx4Lp"})
	a, stdout, _ := hardenApp()
	p, prompts := policyPrompts([]string{"Old-Kq7Zr2Vm9Tx4Lp", weakPass, strongPass, strongPass + "x", strongPass, strongPass}, false, nil)
	pol := passphrase.DefaultPolicy()
	if err := a.harden(s, vault.HardenOptions{Pass: p.get, NewPass: p.newFromVar, Policy: &pol}, false); err != nil {
		t.Fatalf("harden = %v\n%s", err, prompts)
	}
	for _, want := range []string{"Passphrase too weak for a targets key", "Passphrases do not match. Please retry."} {
		if !strings.Contains(prompts.String(), want) {
			t.Errorf("prompts lack %q:\n%s", want, prompts)
		}
	}
	if !strings.Contains(stdout.String(), "Hardened 1, already hardened 0, failed 0.") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if _, err := s.Unlock(keys[0].ID, func(vault.PassphraseRequest) ([]byte, error) { return []byte(strongPass), nil }); err != nil {
		t.Errorf("the key does not open with the new passphrase: %v", err)
	}
}
