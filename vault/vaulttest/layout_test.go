package vaulttest_test

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// The layering of DESIGN.md, asserted on `go list`: cmd → ui → vault →
// (hardware, archive, assets). Nothing but vault/... imports a leaf;
// nothing imports ui or cmd/...; a leaf imports no other project package.
// Test kits (a path element ending in "test": vaulttest, pivtest,
// drivetest, remotetest) may be imported by anyone for whom their own
// imports are allowed, and never end up in the shipped binary.

// pkgImports is one package of `go list`, its paths relative to the
// module.
type pkgImports struct {
	path  string
	imps  []string // project imports of the package
	tests []string // project imports of its tests (in-package and _test)
}

// rank orders the areas; an import goes from a higher rank to a lower one.
var rank = map[string]int{"cmd": 3, "ui": 2, "vault": 1, "archive": 0, "hardware": 0, "assets": 0}

func area(p string) string { a, _, _ := strings.Cut(p, "/"); return a }

func isLeaf(p string) bool { return rank[area(p)] == 0 }

func isKit(p string) bool {
	for _, e := range strings.Split(p, "/") {
		if strings.HasSuffix(e, "test") {
			return true
		}
	}
	return false
}

// checker holds the packages by path.
type checker struct{ pkgs map[string]pkgImports }

// allowed says whether from may import to. Production code follows the
// layers, and only vault reaches the leaves; tests may also reach below
// their package's layer (ui tests use hardware) but never up or across
// leaves. A kit counts as what it imports.
func (c checker) allowed(from, to string, test bool) bool {
	fa, ta := area(from), area(to)
	if fa == ta {
		return true
	}
	if isKit(to) {
		for _, i := range c.pkgs[to].imps {
			if !c.allowed(from, i, test) {
				return false
			}
		}
		return true
	}
	if rank[fa] <= rank[ta] {
		return false
	}
	return test || !isLeaf(to) || fa == "vault"
}

// violations lists every import that breaks the layering, every package
// outside the six top-level areas, each kit in a shipped binary's
// dependencies, and import cycles.
func checkLayout(list []pkgImports) []string {
	c := checker{pkgs: map[string]pkgImports{}}
	for _, p := range list {
		c.pkgs[p.path] = p
	}
	var out []string
	for _, p := range list {
		if _, ok := rank[area(p.path)]; !ok {
			out = append(out, p.path+": outside the top-level areas cmd, ui, vault, archive, hardware, assets")
		}
		for _, i := range p.imps {
			if !c.allowed(p.path, i, false) {
				out = append(out, p.path+" -> "+i)
			}
		}
		for _, i := range p.tests {
			if i != p.path && !c.allowed(p.path, i, true) {
				out = append(out, p.path+" (test) -> "+i)
			}
		}
		if area(p.path) == "cmd" && !slices.Contains(strings.Split(p.path, "/"), "internal") {
			for _, d := range c.closure(p.path) {
				if isKit(d) {
					out = append(out, p.path+": ships the test kit "+d)
				}
			}
		}
	}
	out = append(out, c.cycles()...)
	slices.Sort(out)
	return slices.Compact(out)
}

// closure is every project package p depends on, not counting tests.
func (c checker) closure(p string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(q string) {
		for _, i := range c.pkgs[q].imps {
			if !seen[i] {
				seen[i] = true
				walk(i)
			}
		}
	}
	walk(p)
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// cycles reports each package that depends on itself (go build refuses
// them; the check keeps the layering test whole).
func (c checker) cycles() []string {
	var out []string
	for p := range c.pkgs {
		if slices.Contains(c.closure(p), p) {
			out = append(out, "cycle through "+p)
		}
	}
	return out
}

// parseGoList reads `go list -f '{{.ImportPath}}|{{join .Imports " "}}|
// {{join .TestImports " "}}|{{join .XTestImports " "}}'` and keeps the
// project's packages and imports, relative to module.
func parseGoList(module, out string) []pkgImports {
	rel := func(p string) (string, bool) {
		if r, ok := strings.CutPrefix(p, module+"/"); ok {
			return r, true
		}
		return "", false
	}
	project := func(field string) []string {
		var out []string
		for _, i := range strings.Fields(field) {
			if r, ok := rel(i); ok {
				out = append(out, r)
			}
		}
		return out
	}
	var list []pkgImports
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "|")
		p, ok := rel(f[0])
		if len(f) != 4 || !ok {
			continue
		}
		list = append(list, pkgImports{path: p, imps: project(f[1]), tests: project(f[2] + " " + f[3])})
	}
	return list
}

// pending are the violations the tree still has, each with the change that
// removes it. The test fails on any other violation, and on a pending one
// that is gone (delete its line then).
var pending = map[string]string{}

// TestImportDirections runs the checker on the module as built for Linux
// and for macOS (whose files differ: drives, PC/SC).
func TestImportDirections(t *testing.T) {
	root, err := tools.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	goList := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command("go", append([]string{"list"}, args...)...)
		cmd.Dir, cmd.Env = root, append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	module := goList(nil, "-m")
	const format = `{{.ImportPath}}|{{join .Imports " "}}|{{join .TestImports " "}}|{{join .XTestImports " "}}`
	for _, target := range []struct {
		name string
		env  []string
	}{{"host", nil}, {"darwin", []string{"GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=1"}}} {
		t.Run(target.name, func(t *testing.T) {
			list := parseGoList(module, goList(target.env, "-f", format, "./..."))
			if len(list) < 10 {
				t.Fatalf("go list found %d packages", len(list))
			}
			seen := map[string]bool{}
			for _, v := range checkLayout(list) {
				if why, ok := pending[v]; ok {
					seen[v] = true
					t.Logf("pending: %s (%s)", v, why)
					continue
				}
				t.Errorf("layering: %s", v)
			}
			for v := range pending {
				if !seen[v] {
					t.Errorf("%q no longer happens: delete it from pending", v)
				}
			}
		})
	}
}

// TestLayoutChecker shows that the checker fails on each kind of breach.
func TestLayoutChecker(t *testing.T) {
	good := []pkgImports{
		{path: "cmd/trustvault", imps: []string{"ui", "vault", "vault/health"}, tests: []string{"vault/vaulttest", "hardware/pivtest", "vault/vaulttest/tools"}},
		{path: "cmd/trustvault/internal/bench", imps: []string{"hardware/drivetest", "vault"}},
		{path: "ui", imps: []string{"vault", "vault/health"}, tests: []string{"hardware", "vault/vaulttest"}},
		{path: "vault", imps: []string{"archive", "hardware", "vault/tuf"}, tests: []string{"vault/vaulttest", "hardware/drivetest"}},
		{path: "vault/health", imps: []string{"vault", "assets"}, tests: []string{"vault/vaulttest"}},
		{path: "vault/tuf"},
		{path: "vault/vaulttest", imps: []string{"vault", "vault/vaulttest/tools"}},
		{path: "vault/vaulttest/tools"},
		{path: "archive", tests: []string{"archive", "vault/vaulttest/tools", "hardware/drivetest"}},
		{path: "hardware", imps: []string{"hardware/internal/pivemu"}, tests: []string{"hardware/pivtest"}},
		{path: "hardware/internal/pivemu"},
		{path: "hardware/pivtest", imps: []string{"hardware/internal/pivemu"}},
		{path: "hardware/drivetest"},
		{path: "assets"},
	}
	if v := checkLayout(good); len(v) != 0 {
		t.Fatalf("the layered tree breaks the rules: %q", v)
	}
	with := func(p pkgImports) []pkgImports {
		out := slices.Clone(good)
		for i := range out {
			if out[i].path == p.path {
				out[i] = p
				return out
			}
		}
		return append(out, p)
	}
	for _, tc := range []struct {
		name string
		pkg  pkgImports
		want string
	}{
		{"ui imports a leaf", pkgImports{path: "ui", imps: []string{"vault", "archive"}}, "ui -> archive"},
		{"cmd imports hardware", pkgImports{path: "cmd/trustvault", imps: []string{"ui", "hardware"}}, "cmd/trustvault -> hardware"},
		{"vault imports ui", pkgImports{path: "vault/health", imps: []string{"vault", "ui"}}, "vault/health -> ui"},
		{"vault imports cmd", pkgImports{path: "vault/tuf", imps: []string{"cmd/trustvault/internal/bench"}}, "vault/tuf -> cmd/trustvault/internal/bench"},
		{"a leaf imports vault", pkgImports{path: "archive", imps: []string{"vault/tuf"}}, "archive -> vault/tuf"},
		{"a leaf imports a leaf", pkgImports{path: "hardware", imps: []string{"assets"}}, "hardware -> assets"},
		{"a leaf's test imports vault", pkgImports{path: "archive", tests: []string{"vault"}}, "archive (test) -> vault"},
		{"a leaf's test imports a kit that imports vault", pkgImports{path: "assets", tests: []string{"vault/vaulttest"}}, "assets (test) -> vault/vaulttest"},
		{"a vault test imports ui", pkgImports{path: "vault", imps: []string{"archive"}, tests: []string{"ui"}}, "vault (test) -> ui"},
		{"a kit imports ui", pkgImports{path: "vault/vaulttest", imps: []string{"vault", "ui"}}, "vault/vaulttest -> ui"},
		{"the binary ships a kit", pkgImports{path: "vault/tuf", imps: []string{"vault/vaulttest/tools"}}, "cmd/trustvault: ships the test kit vault/vaulttest/tools"},
		{"a new top-level folder", pkgImports{path: "internal/x"}, "internal/x: outside the top-level areas cmd, ui, vault, archive, hardware, assets"},
		{"a cycle", pkgImports{path: "vault/tuf", imps: []string{"vault"}}, "cycle through vault"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if v := checkLayout(with(tc.pkg)); !slices.Contains(v, tc.want) {
				t.Errorf("violations %q, want %q among them", v, tc.want)
			}
		})
	}
}

func TestParseGoList(t *testing.T) {
	const m = "example.com/tv"
	out := fmt.Sprintf("%[1]s/ui|fmt %[1]s/vault|testing %[1]s/hardware|%[1]s/ui\n%[1]s/assets|embed||\nother.org/x|%[1]s/ui||\n", m)
	got := parseGoList(m, out)
	want := []pkgImports{{path: "ui", imps: []string{"vault"}, tests: []string{"hardware", "ui"}}, {path: "assets"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parseGoList = %v, want %v", got, want)
	}
}
