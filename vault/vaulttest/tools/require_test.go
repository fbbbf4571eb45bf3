package tools_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// recorder is a testing.TB that records how a test was stopped.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }
func (r *recorder) Skip(args ...any)                  { r.skip = fmt.Sprint(args...) }

func TestRequire(t *testing.T) {
	missing := errors.New("tmux is not in .tools/bin or on PATH")
	for _, tc := range []struct {
		name      string
		env       string
		err       error
		wantFatal bool
		wantSkip  bool
	}{
		{"found, required", "1", nil, false, false},
		{"found, not required", "", nil, false, false},
		{"missing, unset", "", missing, false, true},
		{"missing, 0", "0", missing, false, true},
		{"missing, 1", "1", missing, true, false},
		{"missing, yes", "yes", missing, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tools.RequireEnv, tc.env)
			r := &recorder{TB: t}
			tools.Require(r, "tmux (Debian package tmux)", tc.err)
			if (r.fatal != "") != tc.wantFatal || (r.skip != "") != tc.wantSkip {
				t.Fatalf("fatal %q, skip %q; want fatal %v, skip %v", r.fatal, r.skip, tc.wantFatal, tc.wantSkip)
			}
			for _, msg := range []string{r.fatal, r.skip} {
				if msg == "" {
					continue
				}
				for _, want := range []string{"tmux (Debian package tmux) is needed", missing.Error(), tools.RequireEnv} {
					if !strings.Contains(msg, want) {
						t.Errorf("%q does not say %q", msg, want)
					}
				}
			}
		})
	}
}

func TestRequired(t *testing.T) {
	for env, want := range map[string]bool{"": false, "0": false, "1": true, "true": true} {
		t.Setenv(tools.RequireEnv, env)
		if got := tools.Required(); got != want {
			t.Errorf("%s=%q: Required() = %v", tools.RequireEnv, env, got)
		}
	}
}

func TestNotaryFromEnv(t *testing.T) {
	t.Setenv(tools.NotaryEnv, "/bin/sh")
	if got := tools.Notary(t); got != "/bin/sh" {
		t.Errorf("Notary = %q, want $%s", got, tools.NotaryEnv)
	}
	t.Setenv(tools.NotaryEnv, "/nonexistent/notary")
	r := &recorder{TB: t}
	tools.Notary(r)
	if !strings.Contains(r.fatal, "/nonexistent/notary") {
		t.Errorf("a %s that does not exist: fatal %q", tools.NotaryEnv, r.fatal)
	}
}

func TestLookMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if p, err := tools.Look("trustvault-no-such-tool"); err == nil || !strings.Contains(err.Error(), "trustvault-no-such-tool") {
		t.Errorf("Look = %q, %v", p, err)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := tools.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.TrimSuffix(mustGetwd(t), "/"), "/vault/vaulttest/tools") ||
		!strings.HasPrefix(mustGetwd(t), root+"/") {
		t.Errorf("module root %s for %s", root, mustGetwd(t))
	}
}
