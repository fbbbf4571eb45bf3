package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// notaryBinary finds the notary CLI as cmd/trustvault's interop tests do:
// TRUSTVAULT_NOTARY, else notary on PATH; without it the test is skipped,
// unless TRUSTVAULT_REQUIRE_INTEROP is set (make test).
func notaryBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TRUSTVAULT_NOTARY"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("TRUSTVAULT_NOTARY=%s: %v", p, err)
		}
		return p
	}
	if p, err := exec.LookPath("notary"); err == nil {
		return p
	}
	const msg = "notary CLI not found: set TRUSTVAULT_NOTARY or put notary v0.7.0 on PATH (`make test` installs it into .tools/bin)"
	if os.Getenv("TRUSTVAULT_REQUIRE_INTEROP") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// waitMatch polls the screen until re matches, and returns the match. It
// does not print the screen on failure: it may hold a passphrase.
func (s *tmuxSession) waitMatch(step string, re *regexp.Regexp) []string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(s.capture()); m != nil {
			return m
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("%s: the screen does not match %s after 10s", step, re)
	return nil
}

// TestTerminalGenerateKey runs the built binary in tmux on a demo vault:
// a new targets key for a repository, with seven generated words revealed
// on request and confirmed by typing two of them. The notary CLI then
// decrypts the key with that passphrase, and neither the screen after the
// flow nor the terminal's scrollback after the program holds it.
func TestTerminalGenerateKey(t *testing.T) {
	requireTmux(t)
	if testing.Short() {
		t.Skip("builds the binary")
	}
	notary := notaryBinary(t)
	bin := buildBinary(t)
	info, _ := newDemo(t)
	const gun = "registry.example.com/acme/api"
	tm := startTmux(t, 100, 30, bin, "--trust-dir", info.Dir)

	tm.waitFor("repositories", "▸ docker.io/acme/tools")
	tm.send("j", "j", "Enter")
	tm.waitFor("repository", "Repositories › "+gun, "n new key")
	tm.send("n")
	tm.waitFor("kind of key", "Which key?", "▸ targets key of "+gun)
	tm.send("Enter")
	screen := tm.waitFor("passphrase", "Passphrase of the new targets key of "+gun, "7 words, hidden", "90.5 bits")

	// Reveal, read, hide.
	tm.send("v")
	m := tm.waitMatch("revealed", regexp.MustCompile(`(?m)^Passphrase +([a-z]+(?:-[a-z]+){6}) *$`))
	pass := m[1]
	tm.send("v")
	tm.waitFor("hidden again", "7 words, hidden")

	tm.send("Enter")
	screen = tm.waitFor("confirm", "Confirm the passphrase", "Type words")
	ask := regexp.MustCompile(`Type words (\d+) and (\d+)`).FindStringSubmatch(screen)
	if ask == nil {
		t.Fatal("the confirmation does not say which words to type")
	}
	words := strings.Split(pass, "-")
	i, _ := strconv.Atoi(ask[1])
	j, _ := strconv.Atoi(ask[2])
	tm.tmux("send-keys", "-t", "tv", "-l", words[i-1]+" "+words[j-1])
	tm.send("Enter")
	screen = tm.waitFor("generated", "Generated targets key")
	idm := regexp.MustCompile(`Generated targets key ([0-9a-f]{7})`).FindStringSubmatch(screen)
	if idm == nil {
		t.Fatal("no key ID in the notice")
	}
	if strings.Contains(screen, pass) {
		t.Error("the passphrase is on the screen after the flow")
	}

	tm.send("q")
	tm.waitFor("back to the repositories", "REPOSITORY")
	tm.send("q")
	if status := tm.exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
	history := tm.tmux("capture-pane", "-p", "-S", "-", "-t", "tv")
	for _, secret := range []string{pass, words[i-1] + " " + words[j-1]} {
		if strings.Contains(history, secret) {
			t.Error("the terminal's scrollback holds the passphrase")
		}
	}

	// The key file, and notary decrypting it with the passphrase (key passwd
	// re-encrypts it under the same one, on a copy of the directory).
	matches, _ := filepath.Glob(filepath.Join(info.Dir, "private", idm[1]+"*.key"))
	if len(matches) != 1 {
		t.Fatalf("key files for %s: %v", idm[1], matches)
	}
	id := strings.TrimSuffix(filepath.Base(matches[0]), ".key")
	cp := filepath.Join(t.TempDir(), "trust")
	if out, err := exec.Command("cp", "-a", info.Dir, cp).CombinedOutput(); err != nil {
		t.Fatalf("copy the trust directory: %v\n%s", err, out)
	}
	cmd := exec.Command(notary, "-d", cp, "key", "passwd", id)
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !strings.HasSuffix(name, "_PASSPHRASE") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "HOME="+t.TempDir(), "NOTARY_TARGETS_PASSPHRASE="+pass)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("notary key passwd %s with the generated passphrase: %v\n%s", id[:7], err, strings.ReplaceAll(string(out), pass, "<passphrase>"))
	}
	cmd = exec.Command(notary, "-d", cp, "key", "passwd", id)
	cmd.Env = append(env, "HOME="+t.TempDir(), "NOTARY_TARGETS_PASSPHRASE=not-"+pass)
	if err := cmd.Run(); err == nil {
		t.Error("notary opened the key with a wrong passphrase")
	}
}
