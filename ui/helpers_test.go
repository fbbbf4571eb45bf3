package ui

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// shownDir is where golden files say the demo vault lives, whatever
// temporary directory it was generated in.
const shownDir = "/home/demo/.docker/trust"

var (
	sharedDemoOnce sync.Once
	sharedInfo     *demo.Info
	sharedStore    *vault.Store
)

// sharedDemo is one deterministic demo vault (vaulttest.DemoIn) for the
// tests that only read it.
func sharedDemo(t testing.TB) (*demo.Info, *vault.Store) {
	t.Helper()
	sharedDemoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "trustvault-ui-")
		if err != nil {
			t.Fatal(err)
		}
		sharedInfo = vaulttest.DemoIn(t, filepath.Join(dir, "trust"))
		sharedStore, err = vault.Open(sharedInfo.Dir)
		if err != nil {
			t.Fatal(err)
		}
	})
	return sharedInfo, sharedStore
}

// relocated reads a store and rewrites what depends on where it was
// generated and when (paths, file times), so that views are the same on
// every run.
func relocated(t testing.TB, s *vault.Store) *snapshot {
	t.Helper()
	return relocatedWith(t, s, nil)
}

// relocatedWith is relocated for a reading with tokens (nil: none).
func relocatedWith(t testing.TB, s *vault.Store, list TokenLister) *snapshot {
	t.Helper()
	snap := readSnapshotTokens(s, vaulttest.Now(), list)
	from := s.Dir()
	keys := make([]vault.Key, len(snap.keys))
	for i, k := range snap.keys {
		k.Path = shownDir + strings.TrimPrefix(k.Path, from)
		k.ModTime = vaulttest.Now().Add(-time.Hour)
		keys[i] = k
	}
	repos := make([]vault.Repository, len(snap.repos))
	for i, r := range snap.repos {
		r.Dir = shownDir + strings.TrimPrefix(r.Dir, from)
		roles := make([]vault.RoleInfo, len(r.Roles))
		for j, ri := range r.Roles {
			rks := make([]vault.RoleKey, len(ri.Keys))
			for k, rk := range ri.Keys {
				if rk.Path != "" {
					rk.Path = shownDir + strings.TrimPrefix(rk.Path, from)
				}
				rks[k] = rk
			}
			ri.Keys = rks
			roles[j] = ri
		}
		r.Roles = roles
		repos[i] = r
	}
	out := newSnapshot(shownDir, vaulttest.Now(), snap.absent, keys, repos, snap.keysErr, snap.reposErr)
	out.tokens = snap.tokens
	out.setBackups(snap.records, snap.backupsErr)
	findings := make([]health.Finding, len(snap.health.findings))
	for i, f := range snap.health.findings {
		f.Path = strings.ReplaceAll(f.Path, from, shownDir)
		f.Message = strings.ReplaceAll(f.Message, from, shownDir)
		f.Fix = strings.ReplaceAll(f.Fix, from, shownDir)
		findings[i] = f
	}
	out.setHealth(findings)
	return out
}

// newTestModel is a root model of the given size with snap loaded.
func newTestModel(t testing.TB, s *vault.Store, snap *snapshot, w, h int) *Model {
	t.Helper()
	m := newModel(context.Background(), Options{Store: s, Now: vaulttest.Now})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	if snap != nil {
		m.Update(vaultLoadedMsg{store: s, snap: snap})
	}
	return m
}

// screen is what the terminal shows, without colours.
func screen(m *Model) string {
	return ansi.Strip(m.render())
}

// keyPress makes the message a key sends: "j", "enter", "ctrl+c", "?".
func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// cmdWait bounds how long the test driver waits for one command.
const cmdWait = 20 * time.Second

// isTimer reports whether a command only waits for a timer (the spinner,
// a cursor blink): the driver drops those, as a test does not wait for
// animation.
func isTimer(cmd tea.Cmd) bool {
	name := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
	for _, pkg := range []string{"bubbletea/v2.Tick", "bubbles/v2/spinner.", "bubbles/v2/cursor.", "bubbles/v2/textinput.Blink", "bubbletea/v2.RequestBackgroundColor"} {
		if strings.Contains(name, pkg) {
			return true
		}
	}
	return false
}

// press sends keys to the model and runs the commands they return, feeding
// their messages back, as the Bubble Tea runtime would.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		deliver(m, keyPress(k))
	}
}

// deliver sends one message and runs what follows from it.
func deliver(m *Model, msg tea.Msg) {
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		msg, queue = queue[0], queue[1:]
		_, cmd := m.Update(msg)
		queue = append(queue, run(cmd)...)
	}
}

// run runs a command, expanding batches, and returns the messages that
// arrived in time, quits left out (runWalk keeps them).
func run(cmd tea.Cmd) []tea.Msg {
	return slices.DeleteFunc(runWalk(cmd), func(m tea.Msg) bool {
		_, quit := m.(tea.QuitMsg)
		return quit
	})
}

// start runs Init's commands, as the program does when it starts.
func start(m *Model) {
	for _, msg := range run(m.Init()) {
		deliver(m, msg)
	}
}
