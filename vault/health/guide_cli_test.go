package health_test

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/vaulttest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// The commands the lost-key guides and the health fixes tell people to run
// are checked against the real clients' help: every subcommand must exist
// and every flag must be one the subcommand lists. notary v0.7.0 and a
// docker CLI with `docker trust` are found by the test kit (tools.Notary,
// tools.DockerTrust; `make test` installs them); without them the tests
// skip, or fail under TRUSTVAULT_REQUIRE_INTEROP (tools.Require).

// cliHelp runs "<bin> <path...> --help" once per path and parses it.
type cliHelp struct {
	t     *testing.T
	bin   string
	env   []string
	mu    sync.Mutex
	cache map[string]*helpPage
}

// helpPage is what one --help output lists.
type helpPage struct {
	text     string
	commands map[string]bool
	// flags maps "--name" and "-n" to whether the flag takes a value.
	flags map[string]bool
}

var (
	helpFlag    = regexp.MustCompile(`^\s+(?:-(\w), )?--([\w-]+)(?: (\w+))?(?:\s{2,}|$)`)
	helpCommand = regexp.MustCompile(`^\s+([a-z][\w-]*)\*?\s{2,}\S`)
)

func (h *cliHelp) page(path []string) *helpPage {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	key := strings.Join(path, " ")
	if p, ok := h.cache[key]; ok {
		return p
	}
	cmd := exec.Command(h.bin, append(append([]string{}, path...), "--help")...)
	cmd.Env = append(os.Environ(), h.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		h.t.Fatalf("%s %s --help: %v\n%s", h.bin, key, err, out)
	}
	p := &helpPage{text: string(out), commands: map[string]bool{}, flags: map[string]bool{}}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, " ") && strings.HasSuffix(strings.TrimSpace(line), ":") {
			section = strings.TrimSpace(line)
			continue
		}
		if m := helpFlag.FindStringSubmatch(line); m != nil && (strings.Contains(section, "Flags") || strings.Contains(section, "Options")) {
			takes := m[3] != ""
			p.flags["--"+m[2]] = takes
			if m[1] != "" {
				p.flags["-"+m[1]] = takes
			}
			continue
		}
		if strings.Contains(section, "Commands") {
			if m := helpCommand.FindStringSubmatch(line); m != nil {
				p.commands[m[1]] = true
			}
		}
	}
	h.cache[key] = p
	return p
}

// check parses one command line ("notary -s SERVER key rotate GUN targets
// -r") and returns what is wrong with it: an unknown subcommand or flag.
// prefix is how many words name the program ("notary", or "docker trust").
func (h *cliHelp) check(line string, prefix int) []string {
	h.t.Helper()
	words := strings.Fields(line)
	path := words[1:prefix:prefix]
	var flags []string
	positional := false
	for i := prefix; i < len(words); i++ {
		w := words[i]
		page := h.page(path)
		switch {
		case strings.HasPrefix(w, "-"):
			name, _, hasValue := strings.Cut(w, "=")
			flags = append(flags, name)
			if takes := page.flags[name]; takes && !hasValue {
				i++ // the flag's value
			}
		case !positional && page.commands[w]:
			path = append(path, w)
		default:
			positional = true
		}
	}
	if len(path) == prefix-1 {
		return []string{"names no subcommand of " + words[0]}
	}
	var bad []string
	page := h.page(path)
	for _, f := range flags {
		if _, ok := page.flags[f]; !ok {
			bad = append(bad, words[0]+" "+strings.Join(path, " ")+" has no flag "+f)
		}
	}
	return bad
}

// commandLines finds the notary and docker trust command lines in a guide's
// code blocks.
func commandLines(text string) []string {
	var out []string
	inCode := false
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "```") {
			inCode = !inCode
			continue
		}
		if inCode && (strings.HasPrefix(l, "notary ") || strings.HasPrefix(l, "docker trust ")) {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// fixCommand finds commands inside a health fix's prose.
var fixCommand = regexp.MustCompile(`(?:notary|docker trust) [^;,()]+`)

// allCommands are every command line the guides (filled with and without a
// repository) and the demo vault's health fixes contain, by source.
func allCommands(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, kind := range keyrole.Kinds() {
		for i, d := range []health.GuideData{
			{Kind: kind},
			{Kind: kind, GUN: "registry.example.com/acme/web", KeyID: strings.Repeat("ab", 32), Signer: "alice", TrustDir: "/tmp/trust", Repositories: []string{"a/b"}},
		} {
			text, err := health.LostKeyGuide(d)
			if err != nil {
				t.Fatal(err)
			}
			lines := commandLines(text)
			if len(lines) == 0 {
				t.Errorf("the %s guide has no command", kind)
			}
			src := kind.String() + " guide"
			if i == 1 {
				src += " (filled)"
			}
			out[src] = append(out[src], lines...)
		}
	}
	_, s := vaulttest.Demo(t)
	for _, f := range health.Check(s, vaulttest.Now(), "") {
		for _, c := range fixCommand.FindAllString(f.Fix, -1) {
			out["health fix "+f.Check] = append(out["health fix "+f.Check], strings.TrimSpace(c))
		}
	}
	return out
}

func TestGuideCommandsAgainstNotaryHelp(t *testing.T) {
	h := &cliHelp{t: t, bin: tools.Notary(t), env: []string{"HOME=" + t.TempDir()}, cache: map[string]*helpPage{}}
	n := 0
	for src, lines := range allCommands(t) {
		for _, l := range lines {
			if strings.HasPrefix(l, "notary ") {
				for _, bad := range h.check(l, 1) {
					t.Errorf("%s: %q: %s", src, l, bad)
				}
				n++
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d notary commands checked", n)
	}
	t.Logf("%d notary command lines checked against notary's help", n)
}

func TestGuideCommandsAgainstDockerHelp(t *testing.T) {
	docker := tools.DockerTrust(t)
	env := []string{"DOCKER_CONFIG=" + t.TempDir()}
	h := &cliHelp{t: t, bin: docker, env: env, cache: map[string]*helpPage{}}
	n := 0
	for src, lines := range allCommands(t) {
		for _, l := range lines {
			if strings.HasPrefix(l, "docker trust ") {
				for _, bad := range h.check(l, 2) {
					t.Errorf("%s: %q: %s", src, l, bad)
				}
				n++
			}
		}
	}
	if n < 5 {
		t.Errorf("only %d docker trust commands checked", n)
	}
	t.Logf("%d docker trust command lines checked against docker's help", n)
}

// TestHelpParser makes sure the checker catches an invented flag and an
// invented subcommand.
func TestHelpParser(t *testing.T) {
	h := &cliHelp{t: t, bin: tools.Notary(t), env: []string{"HOME=" + t.TempDir()}, cache: map[string]*helpPage{}}
	if page := h.page(nil); len(page.commands) < 10 || len(page.flags) < 5 {
		t.Fatalf("notary --help parsed to %d commands and %d flags", len(page.commands), len(page.flags))
	}
	for _, tc := range []struct {
		line string
		ok   bool
	}{
		{"notary -s SERVER -d DIR key rotate GUN snapshot -r", true},
		{"notary -d DIR delegation add --publish --all-paths GUN targets/x x.crt", true},
		{"notary key rotate GUN targets --force", false},
		{"notary rotate GUN targets", false},
		{"notary delete GUN --remote", true},
		{"notary delete GUN --everything", false},
		{"notary -d DIR list key", true}, // "key" is the GUN here, not the key command
	} {
		bad := h.check(tc.line, 1)
		if (len(bad) == 0) != tc.ok {
			t.Errorf("%q: problems %q, want ok=%v", tc.line, bad, tc.ok)
		}
	}
}
