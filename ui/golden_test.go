package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/<test>/<name>.golden, or rewrites the
// file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	// Trailing spaces are layout, not content; golden files keep none.
	lines := strings.Split(got, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	got = strings.Join(lines, "\n") + "\n"
	path := filepath.Join("testdata", strings.Split(t.Name(), "/")[0], name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// goldenCase is one screen of a golden test: its name and the keys (or
// messages) that reach it from the repositories page.
type goldenCase struct {
	name  string
	setup func(m *Model)
}

// goldenScreens renders each case from snap at 80x24 and 160x48 and
// compares it with its golden file, <name>-<w>x<h>.
func goldenScreens(t *testing.T, s *vault.Store, snap *snapshot, cases []goldenCase) {
	t.Helper()
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, tc := range cases {
			name := fmt.Sprintf("%s-%dx%d", tc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newTestModel(t, s, snap, size[0], size[1])
				tc.setup(m)
				golden(t, name, screen(m))
			})
		}
	}
}

// TestGolden renders each page from the demo vault, generated with a fixed
// seed and clock, at 80x24 and 160x48, with colours stripped. Paths are
// shown under /home/demo/.docker/trust and file times are fixed, so the
// files are the same on every machine.
func TestGolden(t *testing.T) {
	info, s := sharedDemo(t)
	snap := relocated(t, s)
	root := info.RootKeys[0]
	cases := []goldenCase{
		{"repositories", func(m *Model) {}},
		{"repositories-filtered", func(m *Model) { press(m, "/", "a", "c", "m", "e", "/", "w", "enter") }},
		{"repositories-by-expiry", func(m *Model) { press(m, "s", "j") }},
		{"repository", func(m *Model) { press(m, "j", "j", "enter") }},
		{"repository-expiring", func(m *Model) { press(m, "enter", "j") }},
		{"keys-without-repository", func(m *Model) { press(m, "G", "enter") }},
		{"key-root", func(m *Model) { deliver(m, keySelectedMsg{ref: keyRef{id: root, location: vault.LocationFile}}) }},
		{"key-legacy", func(m *Model) { press(m, "enter", "j", "enter") }},
		{"key-missing", func(m *Model) { press(m, "j", "j", "enter", "G", "enter") }},
		{"passphrase-form", func(m *Model) { press(m, "enter", "enter", "p") }},
		{"export-form", func(m *Model) { press(m, "enter", "enter", "e") }},
		{"help", func(m *Model) { press(m, "?") }},
		{"help-repository", func(m *Model) { press(m, "enter", "?") }},
	}
	goldenScreens(t, s, snap, cases)
	t.Run("small-40x10", func(t *testing.T) {
		m := newTestModel(t, s, snap, 40, 10)
		golden(t, "repositories-40x10", screen(m))
		press(m, "j", "j", "enter")
		golden(t, "repository-40x10", screen(m))
		press(m, "enter")
		golden(t, "key-40x10", screen(m))
	})
	t.Run("empty", func(t *testing.T) {
		s, err := vault.Open("/nonexistent/trustvault-golden/trust")
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range [][2]int{{80, 24}, {40, 10}} {
			m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), size[0], size[1])
			golden(t, fmt.Sprintf("empty-%dx%d", size[0], size[1]), screen(m))
		}
	})
}
