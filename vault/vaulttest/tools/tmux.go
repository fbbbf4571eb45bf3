package tools

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// WaitTimeout bounds how long WaitFor and WaitMatch poll the screen.
const WaitTimeout = 10 * time.Second

// Tmux is a program running in a detached tmux session on a tmux server of
// its own, which the test's cleanup kills.
type Tmux struct {
	t      testing.TB
	bin    string
	socket string
}

var sessions atomic.Int64

// StartTmux runs argv in a w×h terminal (TERM=xterm-256color, LANG=C.UTF-8)
// and keeps the pane open after it ends, so that Exited can read its exit
// status. It stops the test (Require) when tmux is not installed.
func StartTmux(t testing.TB, w, h int, argv ...string) *Tmux {
	t.Helper()
	s := &Tmux{
		t:      t,
		bin:    Find(t, "tmux", "Debian package tmux; .ci/setup test installs it"),
		socket: fmt.Sprintf("trustvault-test-%d-%d", os.Getpid(), sessions.Add(1)),
	}
	shell := "env TERM=xterm-256color LANG=C.UTF-8 " + strings.Join(shellQuote(argv), " ") +
		`; echo "[exited $?]"; sleep 600`
	s.Command("-f", "/dev/null", "new-session", "-d", "-s", "tv", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), shell)
	t.Cleanup(func() { _ = exec.Command(s.bin, "-L", s.socket, "kill-server").Run() })
	s.Command("set-option", "-g", "escape-time", "0")
	return s
}

func shellQuote(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return out
}

// Command runs a tmux command against the session's server and returns its
// output; it fails the test when tmux does.
func (s *Tmux) Command(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.bin, append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Send presses keys, one tmux key name each: Enter, Escape, C-c, j, ...
func (s *Tmux) Send(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		s.Command("send-keys", "-t", "tv", k)
	}
}

// Type types text literally (no key names).
func (s *Tmux) Type(text string) {
	s.t.Helper()
	s.Command("send-keys", "-t", "tv", "-l", text)
}

// Screen is what the terminal shows now.
func (s *Tmux) Screen() string {
	s.t.Helper()
	return s.Command("capture-pane", "-p", "-t", "tv")
}

// Scrollback is the terminal's whole history, the screen included.
func (s *Tmux) Scrollback() string {
	s.t.Helper()
	return s.Command("capture-pane", "-p", "-S", "-", "-t", "tv")
}

// WaitFor polls the screen until it shows every one of want, and returns
// it; after WaitTimeout it fails the test, printing the screen.
func (s *Tmux) WaitFor(step string, want ...string) string {
	s.t.Helper()
	return s.waitFor(step, WaitTimeout, want...)
}

func (s *Tmux) waitFor(step string, limit time.Duration, want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	var screen string
	for {
		screen = s.Screen()
		if missing(screen, want) == "" {
			return screen
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("%s: the screen does not show %q after %s:\n%s", step, missing(screen, want), limit, screen)
	return ""
}

func missing(screen string, want []string) string {
	for _, w := range want {
		if !strings.Contains(screen, w) {
			return w
		}
	}
	return ""
}

// WaitMatch polls the screen until re matches, and returns the match. It
// does not print the screen on failure: it may hold a secret.
func (s *Tmux) WaitMatch(step string, re *regexp.Regexp) []string {
	s.t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for {
		if m := re.FindStringSubmatch(s.Screen()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("%s: the screen does not match %s after %s", step, re, WaitTimeout)
	return nil
}

// ExitTimeout bounds how long Exited waits: a program's last frame and
// exit are slow on a loaded machine, and nothing is asserted on the time.
const ExitTimeout = 60 * time.Second

// Exited waits for the program to end and returns its exit status, which
// the shell around it prints (tmux's own pane_dead_status is not always
// filled in).
func (s *Tmux) Exited() string {
	s.t.Helper()
	screen := s.waitFor("exit", ExitTimeout, "[exited ")
	_, rest, _ := strings.Cut(screen, "[exited ")
	status, _, _ := strings.Cut(rest, "]")
	return status
}
