package ui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
)

// tmuxSession is the built binary running in a detached tmux session on a
// server of its own.
type tmuxSession struct {
	t      *testing.T
	socket string
}

// requireTmux finds tmux. Without it the test is skipped, unless
// TRUSTVAULT_REQUIRE_INTEROP says the real parts must be there (CI).
func requireTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("TRUSTVAULT_REQUIRE_INTEROP") != "" {
			t.Fatalf("tmux is not installed and TRUSTVAULT_REQUIRE_INTEROP is set: %v", err)
		}
		t.Skip("tmux is not installed (apt-get install tmux); set TRUSTVAULT_REQUIRE_INTEROP to make this a failure")
	}
}

// buildBinary builds cmd/trustvault into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "trustvault")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/trustvault")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build trustvault: %v\n%s", err, out)
	}
	return bin
}

// startTmux runs argv in a w x h terminal.
func startTmux(t *testing.T, w, h int, argv ...string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, socket: fmt.Sprintf("trustvault-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	shell := "env TERM=xterm-256color LANG=C.UTF-8 " + strings.Join(quoteAll(argv), " ") +
		`; echo "[exited $?]"; sleep 600`
	s.tmux("-f", "/dev/null", "new-session", "-d", "-s", "tv", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), shell)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	s.tmux("set-option", "-g", "escape-time", "0")
	return s
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return out
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// send types keys (tmux key names: Enter, Escape, j, ...).
func (s *tmuxSession) send(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		s.tmux("send-keys", "-t", "tv", k)
	}
}

func (s *tmuxSession) capture() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-t", "tv")
}

// waitFor polls the screen until it shows every one of want.
func (s *tmuxSession) waitFor(step string, want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.capture()
		missing := ""
		for _, w := range want {
			if !strings.Contains(screen, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return screen
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("%s: the screen does not show %q after 10s:\n%s", step, want, screen)
	return ""
}

// exited waits for the program to end and returns its exit status, which
// the shell around it prints (tmux's own pane_dead_status is not always
// filled in).
func (s *tmuxSession) exited() string {
	s.t.Helper()
	screen := s.waitFor("exit", "[exited ")
	_, rest, _ := strings.Cut(screen, "[exited ")
	status, _, _ := strings.Cut(rest, "]")
	return status
}

// TestTerminal runs the built binary in tmux on a demo vault and walks
// repositories → repository → key → help → back with real key presses.
func TestTerminal(t *testing.T) {
	requireTmux(t)
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	info, _ := newDemo(t)
	root := vault.ShortID(info.RootKeys[0])
	tm := startTmux(t, 100, 30, bin, "--trust-dir", info.Dir)

	tm.waitFor("repositories", "Repositories", "docker.io/acme/tools", "registry.example.com/acme/api",
		"keys without a repository", "4 repositories", "10 keys", "▸ docker.io/acme/tools")

	tm.send("/", "w", "e", "b")
	tm.waitFor("filter", "/web", "1 of 5", "▸ registry.example.com/acme/web")
	tm.send("Escape")
	tm.waitFor("filter cleared", "▸ docker.io/acme/tools", "registry.example.com/acme/api")

	tm.send("j", "j", "Enter")
	screen := tm.waitFor("repository", "Repositories › registry.example.com/acme/api",
		"ROOT", "TARGETS", "SNAPSHOT", "TIMESTAMP", "DELEGATIONS", "targets/releases", "signing server", "missing")
	// The five key types, in their fixed order.
	last := -1
	for _, h := range []string{"\nROOT", "\nTARGETS", "\nSNAPSHOT", "\nTIMESTAMP", "\nDELEGATIONS"} {
		i := strings.Index(screen, h)
		if i < last {
			t.Fatalf("%s is out of order:\n%s", strings.TrimSpace(h), screen)
		}
		last = i
	}

	tm.send("Enter")
	tm.waitFor("key", "› key "+root, info.RootKeys[0], "PROTECTION", "USED BY", "p change passphrase")

	tm.send("?")
	tm.waitFor("help", "› Help", "change passphrase", "export public key", "refresh", "any key closes the help")
	tm.send("x")
	tm.waitFor("help closed", "› key "+root, "PROTECTION")

	tm.send("Escape")
	tm.waitFor("back to the repository", "Repositories › registry.example.com/acme/api", "▸   "+root)
	tm.send("q")
	tm.waitFor("back to the repositories", "▸ registry.example.com/acme/api", "REPOSITORY")
	tm.send("q")
	if status := tm.exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}

// TestTerminalDemo opens trustvault --demo, which generates a vault of its
// own, and leaves with ctrl+c.
func TestTerminalDemo(t *testing.T) {
	requireTmux(t)
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	tm := startTmux(t, 80, 24, bin, "--demo", "--trust-dir", filepath.Join(t.TempDir(), "trust"))
	tm.waitFor("demo", "DEMO", "registry.example.com/acme/web", "keys without a repository")
	tm.send("C-c")
	if status := tm.exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}
