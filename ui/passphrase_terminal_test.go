package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/vaulttest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// TestTerminalGenerateKey runs the built binary in tmux on a demo vault:
// a new targets key for a repository, with seven generated words revealed
// on request and confirmed by typing two of them. The notary CLI then
// decrypts the key with that passphrase, and neither the screen after the
// flow nor the terminal's scrollback after the program holds it.
func TestTerminalGenerateKey(t *testing.T) {
	bin := tools.Trustvault(t)
	notary := tools.Notary(t)
	info, _ := vaulttest.Demo(t)
	const gun = "registry.example.com/acme/api"
	tm := tools.StartTmux(t, 100, 30, bin, "--trust-dir", info.Dir)

	tm.WaitFor("repositories", "▸ docker.io/acme/tools")
	tm.Send("j", "j", "Enter")
	tm.WaitFor("repository", "Repositories › "+gun, "n new key")
	tm.Send("n")
	tm.WaitFor("kind of key", "Which key?", "▸ targets key of "+gun)
	tm.Send("Enter")
	screen := tm.WaitFor("passphrase", "Passphrase of the new targets key of "+gun, "7 words, hidden", "90.5 bits")

	// Reveal, read, hide.
	tm.Send("v")
	m := tm.WaitMatch("revealed", regexp.MustCompile(`(?m)^Passphrase +([a-z]+(?:-[a-z]+){6}) *$`))
	pass := m[1]
	tm.Send("v")
	tm.WaitFor("hidden again", "7 words, hidden")

	tm.Send("Enter")
	screen = tm.WaitFor("confirm", "Confirm the passphrase", "Type words")
	ask := regexp.MustCompile(`Type words (\d+) and (\d+)`).FindStringSubmatch(screen)
	if ask == nil {
		t.Fatal("the confirmation does not say which words to type")
	}
	words := strings.Split(pass, "-")
	i, _ := strconv.Atoi(ask[1])
	j, _ := strconv.Atoi(ask[2])
	tm.Type(words[i-1] + " " + words[j-1])
	tm.Send("Enter")
	screen = tm.WaitFor("generated", "Generated targets key")
	idm := regexp.MustCompile(`Generated targets key ([0-9a-f]{7})`).FindStringSubmatch(screen)
	if idm == nil {
		t.Fatal("no key ID in the notice")
	}
	if strings.Contains(screen, pass) {
		t.Error("the passphrase is on the screen after the flow")
	}

	tm.Send("q")
	tm.WaitFor("back to the repositories", "REPOSITORY")
	tm.Send("q")
	if status := tm.Exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
	history := tm.Scrollback()
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
