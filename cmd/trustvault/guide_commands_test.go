package main

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// Every trustvault command line the lost-key guides show must name a
// command of this binary and only flags that command has.
func TestGuideTrustvaultCommandsExist(t *testing.T) {
	root := (&app{stdout: io.Discard, stderr: io.Discard}).rootCmd()
	inline := regexp.MustCompile("`(trustvault [^`]+)`")
	n := 0
	for _, kind := range keyrole.Kinds() {
		text, err := health.LostKeyGuide(health.GuideData{Kind: kind, GUN: "registry.example.com/acme/web", Signer: "alice", TrustDir: "/tmp/trust"})
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		inCode := false
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "```") {
				inCode = !inCode
			}
			if inCode && strings.HasPrefix(l, "trustvault ") {
				lines = append(lines, l)
			}
		}
		for _, m := range inline.FindAllStringSubmatch(text, -1) {
			lines = append(lines, m[1])
		}
		for _, l := range lines {
			words := strings.Fields(l)[1:]
			cmd, rest, err := root.Find(words)
			if err != nil || cmd == root {
				t.Errorf("%s guide: %q names no trustvault command (%v)", kind, l, err)
				continue
			}
			for _, w := range rest {
				if !strings.HasPrefix(w, "--") {
					continue
				}
				name, _, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
				if cmd.Flags().Lookup(name) == nil && root.PersistentFlags().Lookup(name) == nil {
					t.Errorf("%s guide: %q: trustvault %s has no flag --%s", kind, l, cmd.Name(), name)
				}
			}
			n++
		}
	}
	if n < 10 {
		t.Errorf("only %d trustvault command lines checked", n)
	}
	t.Logf("%d trustvault command lines checked", n)
}
