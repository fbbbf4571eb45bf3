package tools_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

func TestMain(m *testing.M) { os.Exit(tools.M(m).Run()) }

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// TestTmux drives a shell in tmux: it reads a line, prints it back and
// exits with a status of its own.
func TestTmux(t *testing.T) {
	tm := tools.StartTmux(t, 60, 10, "sh", "-c", `printf 'name? '; read x; echo "got <$x>"; exit 3`)
	tm.WaitFor("prompt", "name?")
	tm.Type("it's a b")
	tm.Send("Enter")
	tm.WaitFor("echo", "got <it's a b>")
	if m := tm.WaitMatch("match", regexp.MustCompile(`got <(\S+)`)); m[1] != "it's" {
		t.Errorf("WaitMatch = %q", m)
	}
	if status := tm.Exited(); status != "3" {
		t.Errorf("exit status %q, want 3", status)
	}
	if !strings.Contains(tm.Scrollback(), "name? it's a b") {
		t.Errorf("scrollback:\n%s", tm.Scrollback())
	}
}

// TestTrustvaultBuildsOnce builds the binary, runs it, and gets the same
// binary the second time without building again.
func TestTrustvaultBuildsOnce(t *testing.T) {
	bin := tools.Trustvault(t)
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "trustvault") {
		t.Fatalf("%s --help: %v\n%s", bin, err, out)
	}
	again := tools.Trustvault(t)
	st2, err := os.Stat(again)
	if again != bin || err != nil || !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("second call: %s (%v), first %s", again, err, bin)
	}
}
