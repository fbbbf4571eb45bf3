package main

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/vaulttest"
)

// TestInvokedCommand: the command name after the global flags, and none
// when a flag only the whole tree can place comes first.
func TestInvokedCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"list", "--json"}, "list"},
		{[]string{"--trust-dir", "/x", "doctor"}, "doctor"},
		{[]string{"--trust-dir=/x", "--allow-weak", "generate"}, "generate"},
		{[]string{"--version"}, versionOnly},
		{[]string{"--trust-dir", "/x", "-v"}, versionOnly},
		{[]string{"--version", "list"}, ""},
		{[]string{"--version", "--help"}, ""},
		{[]string{"--help", "list"}, ""},
		{[]string{"__complete", "list", ""}, "__complete"},
		{[]string{"--trust-dir"}, ""},
	} {
		if got := invokedCommand(tc.args); got != tc.want {
			t.Errorf("invokedCommand(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestInvokedCommandBuildsOnlyIt: for every command of the whole tree, a
// run naming it builds that command alone, under the same name (a name
// missing from the table would build them all).
func TestInvokedCommandBuildsOnlyIt(t *testing.T) {
	full := (&app{stdout: io.Discard, stderr: io.Discard}).rootCmd()
	n := 0
	for _, c := range full.Commands() {
		if c.Name() == "completion" || c.Name() == "help" {
			continue
		}
		n++
		root := (&app{stdout: io.Discard, stderr: io.Discard, invoked: c.Name()}).rootCmd()
		var names []string
		for _, sub := range root.Commands() {
			if sub.Name() != "completion" && sub.Name() != "help" {
				names = append(names, sub.Name())
			}
		}
		if !slices.Equal(names, []string{c.Name()}) {
			t.Errorf("a run of %q builds %q", c.Name(), names)
		}
	}
	if n < 20 {
		t.Fatalf("the whole tree has %d commands", n)
	}
}

// TestStartupStillWired: what is now built on demand still works through
// run: completion (registered only for the shell's request), --version
// (its text built when asked) and help for one command.
func TestStartupStillWired(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "generate", "--role", ""}, []string{"root\n", "snapshot\n", "timestamp\n"}},
		{[]string{"__complete", "gen"}, []string{"generate\t"}},
		{[]string{"--trust-dir", "/nonexistent", "__complete", "generate", "--role", ""}, []string{"root\n", "snapshot\n"}},
		{[]string{"--version"}, []string{"trustvault ", "\ncommit:  ", "\ngo:      go"}},
		{[]string{"-v"}, []string{"trustvault ", "\ncommit:  ", "\ngo:      go"}},
		{[]string{"__complete", "comp"}, []string{"completion\t"}},
		{[]string{"list", "--help"}, []string{"--json", "--trust-dir"}},
		{[]string{"help"}, []string{"list ", "doctor ", "completion "}},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, strings.NewReader(""), &out, &errb, []string{"HOME=" + t.TempDir()}); code != 0 {
			t.Errorf("%q: exit %d: %s", tc.args, code, errb.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%q: output lacks %q:\n%s", tc.args, w, out.String())
			}
		}
	}
}

// --version alone skips the command tree; with a global flag beside it,
// the tree answers. Both print the same text and exit 0.
func TestVersionShortcut(t *testing.T) {
	var texts []string
	for _, args := range [][]string{{"--version"}, {"-v"}, {"--trust-dir", t.TempDir(), "--version"}, {"--allow-weak", "-v"}} {
		var out, errb bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errb, []string{"HOME=" + t.TempDir()}); code != 0 || errb.Len() > 0 {
			t.Fatalf("%q: exit %d, stderr %q", args, code, errb.String())
		}
		texts = append(texts, out.String())
	}
	if !strings.HasPrefix(texts[0], "trustvault ") {
		t.Fatalf("--version printed %q", texts[0])
	}
	for i, s := range texts[1:] {
		if s != texts[0] {
			t.Errorf("run %d printed\n%s\nwhere --version alone printed\n%s", i+1, s, texts[0])
		}
	}
}

// Completing a key ID offers the keys whose ID starts with what was typed,
// with their role and repository, and no other.
func TestCompleteKeyIDs(t *testing.T) {
	info := vaulttest.LiveDemo(t, filepath.Join(t.TempDir(), "trust"))
	root := info.RootKeys[0]
	for _, prefix := range []string{root[:2], strings.ToUpper(root[:5]), root} {
		var out, errb bytes.Buffer
		if code := run([]string{"--trust-dir", info.Dir, "__complete", "export", prefix}, strings.NewReader(""), &out, &errb, nil); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		found := false
		for _, l := range lines[:len(lines)-1] { // the last is cobra's directive
			id, desc, _ := strings.Cut(l, "\t")
			if !strings.HasPrefix(id, strings.ToLower(prefix)) {
				t.Errorf("prefix %s: offered %q", prefix, l)
			}
			if id == root {
				found = true
				if !strings.HasPrefix(desc, "root") {
					t.Errorf("root key offered as %q", l)
				}
			}
		}
		if !found {
			t.Errorf("prefix %s: the root key %s is not offered:\n%s", prefix, root, out.String())
		}
	}
}
