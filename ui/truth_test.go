package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/hardware"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// apiGUN and toolsGUN are two demo repositories that share a root key:
// the key page must know which one it was opened from.
const (
	apiGUN   = "registry.example.com/acme/api"
	toolsGUN = "docker.io/acme/tools"
)

// openRepo opens a repository page by GUN from the repositories page.
func openRepo(t *testing.T, m *Model, gun string) *repoPage {
	t.Helper()
	deliver(m, repoSelectedMsg{gun: gun})
	p, ok := m.active().(*repoPage)
	if !ok || p.gun != gun {
		t.Fatalf("the repository page of %s did not open:\n%s", gun, screen(m))
	}
	return p
}

// TestGuideFromKeyPageNamesItsRepository: a root key shared by several
// repositories, opened from one of them; its lost-key guide is about that
// repository (its name, its expiry, its notary commands), not another
// one's. On the old code the guide was always docker.io/acme/tools's.
func TestGuideFromKeyPageNamesItsRepository(t *testing.T) {
	_, s := sharedDemo(t)
	snap := relocated(t, s)
	for _, gun := range []string{apiGUN, toolsGUN} {
		t.Run(gun, func(t *testing.T) {
			m := newTestModel(t, s, snap, 100, 40)
			openRepo(t, m, gun)
			press(m, "g", "enter") // the first key: the root key
			kp, ok := m.active().(*keyPage)
			if !ok {
				t.Fatalf("no key page:\n%s", screen(m))
			}
			if kp.ref.gun != gun || kp.ref.role != "root" {
				t.Fatalf("the key page's context is %q/%q, want %s/root", kp.ref.gun, kp.ref.role, gun)
			}
			if got := screen(m); !strings.Contains(got, "opened from here") {
				t.Errorf("the key page does not mark the repository it was opened from:\n%s", got)
			}
			press(m, "L")
			gp, ok := m.active().(*guidePage)
			if !ok {
				t.Fatalf("L did not open the guide:\n%s", screen(m))
			}
			if gp.data.GUN != gun {
				t.Fatalf("the guide is for %s, want %s", gp.data.GUN, gun)
			}
			other := apiGUN
			if gun == apiGUN {
				other = toolsGUN
			}
			all := strings.Join(gp.lines, "\n")
			if !strings.Contains(all, "For repository "+gun) {
				t.Errorf("the guide does not start by naming %s:\n%s", gun, all)
			}
			if strings.Contains(gp.text, "delete "+other) || strings.Contains(gp.text, "init "+other) {
				t.Errorf("the guide for %s has commands for %s:\n%s", gun, other, gp.text)
			}
			if !strings.Contains(gp.text, gun) {
				t.Errorf("the guide's text does not name %s:\n%s", gun, gp.text)
			}
		})
	}
}

// TestFindingOpensKeyWithItsContext: a health finding about a key of a
// repository opens the key page in that repository's context.
func TestFindingOpensKeyWithItsContext(t *testing.T) {
	_, s := sharedDemo(t)
	snap := relocated(t, s)
	m := newTestModel(t, s, snap, 120, 40)
	for _, f := range snap.health.findings {
		if f.KeyID == "" || f.GUN == "" {
			continue
		}
		deliver(m, openFinding(snap, f)())
		kp, ok := m.active().(*keyPage)
		if !ok {
			t.Fatalf("finding %s did not open a key page", f.Message)
		}
		if kp.ref.gun != f.GUN {
			t.Errorf("finding about %s opened key %s in context %q", f.GUN, vault.ShortID(f.KeyID), kp.ref.gun)
		}
		return
	}
	t.Fatal("the demo has no finding about a key of a repository")
}

// TestPageKeysWinOverGlobalKeys: a key a page's help lists does what the
// page says, not what the global key of the same letter does: restore's r
// restores (the global r refreshed instead), the backup picker's x chooses
// a drive (the global x opened the error translator).
func TestPageKeysWinOverGlobalKeys(t *testing.T) {
	_, s := sharedDemo(t)
	snap := relocated(t, s)
	t.Run("restore r", func(t *testing.T) {
		m := newTestModel(t, s, snap, 100, 30)
		rp, _ := newRestorePage(m.c)
		rp.step, rp.rep = restoreReport, &vault.DrillReport{}
		rp.setKeys()
		m.Update(pageOpenedMsg{p: rp})
		m.Update(keyPress("r"))
		if m.loading {
			t.Error("r on the restore report refreshed the trust directory")
		}
		if rp.step != restoreWorking || rp.doing != callRestore {
			t.Errorf("r on the restore report did not start the restore (step %d)", rp.step)
		}
	})
	t.Run("backup x", func(t *testing.T) {
		m := newTestModel(t, s, snap, 100, 30)
		m.c.drives = vault.NewDrives(fakeDetector{drives: twoDrives(t)}, nil)
		press(m, "b")
		bp, ok := m.active().(*backupPage)
		if !ok || bp.step != backupPick {
			t.Fatalf("no drive picker:\n%s", screen(m))
		}
		press(m, "x")
		if _, ok := m.active().(*explainPage); ok {
			t.Fatal("x on the drive picker opened the error translator")
		}
		if len(bp.picked) != 1 {
			t.Errorf("x did not choose the drive: %v", bp.picked)
		}
	})
}

// fakeDetector presents drives as given.
type fakeDetector struct{ drives []hardware.Drive }

func (f fakeDetector) Drives() ([]hardware.Drive, error) { return f.drives, nil }
func (f fakeDetector) Locate(path string) (hardware.Drive, error) {
	for _, d := range f.drives {
		if strings.HasPrefix(path, d.Mount) {
			return d, nil
		}
	}
	return hardware.Drive{}, errors.New("not on a drive")
}

// twoDrives are two eligible drives on two devices, in temporary
// directories.
func twoDrives(t *testing.T) []hardware.Drive {
	var out []hardware.Drive
	for i, label := range []string{"KEYS A", "KEYS-B"} {
		out = append(out, hardware.Drive{
			Mount: t.TempDir(), Label: label, Filesystem: "ext4", Transport: "usb", Hotplug: true,
			SizeBytes: 8 << 30, FreeBytes: 4 << 30, Eligible: true,
			Identity: hardware.Identity{Key: fmt.Sprintf("usb:fake/%d", i), Known: true, Disk: fmt.Sprintf("sd%c", 'b'+i)},
		})
	}
	return out
}

// keyMsg makes the message for a key as bindings name it ("pgdown",
// "ctrl+d", "shift+tab", "space", "G").
func keyMsg(t *testing.T, k string) tea.KeyPressMsg {
	t.Helper()
	named := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "tab": tea.KeyTab, "backspace": tea.KeyBackspace,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd, "space": tea.KeySpace,
	}
	var msg tea.KeyPressMsg
	mods, base := strings.Split(k, "+"), ""
	base, mods = mods[len(mods)-1], mods[:len(mods)-1]
	if k == "+" {
		base, mods = "+", nil
	}
	if r, ok := named[base]; ok {
		msg.Code = r
	} else {
		msg.Code = []rune(base)[0]
		if len(mods) == 0 {
			msg.Text = base
		}
	}
	for _, m := range mods {
		switch m {
		case "ctrl":
			msg.Mod |= tea.ModCtrl
		case "shift":
			msg.Mod |= tea.ModShift
		case "alt":
			msg.Mod |= tea.ModAlt
		}
	}
	if msg.String() != k {
		t.Fatalf("keyMsg(%q) is %q", k, msg.String())
	}
	return msg
}

// walkState is what a key press may change.
type walkState struct {
	screen, status string
	depth          int
	help, quit     bool
}

func stateOf(m *Model, quit bool) walkState {
	return walkState{screen: screen(m), status: m.status, depth: len(m.stack), help: m.showHelp, quit: quit}
}

// pressWalk presses one key and runs what follows, noting a quit.
func pressWalk(m *Model, msg tea.Msg) (quit bool) {
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		msg, queue = queue[0], queue[1:]
		_, cmd := m.Update(msg)
		for _, out := range runWalk(cmd) {
			if _, ok := out.(tea.QuitMsg); ok {
				quit = true
				continue
			}
			queue = append(queue, out)
		}
	}
	return quit
}

// runWalk is run, but it keeps quits.
func runWalk(cmd tea.Cmd) []tea.Msg {
	if cmd == nil || isTimer(cmd) {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(cmdWait):
		panic("a command took longer than " + cmdWait.String())
	}
	switch msg := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, runWalk(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// walkPages are the pages the key walk visits: how each is reached from
// the repositories page.
var walkPages = []struct {
	name string
	keys []string
}{
	{"repositories", nil},
	{"repository", []string{"j", "j", "enter"}},
	{"signed-tags", []string{"j", "j", "enter", "t"}},
	{"keys-without-repository", []string{"G", "enter"}},
	{"key", []string{"j", "j", "enter", "enter"}},
	{"missing-key", []string{"j", "j", "enter", "G", "enter"}},
	{"guide", []string{"j", "j", "enter", "enter", "L"}},
	{"health", []string{"!"}},
	{"hardware", []string{"Y"}},
	{"backup", []string{"b"}},
	{"generator", []string{"p"}},
	{"harden", []string{"H"}},
	{"restore", []string{"R"}},
	{"explain", []string{"x"}},
	{"generate", []string{"j", "j", "enter", "n"}},
	{"passwd", []string{"j", "j", "enter", "enter", "p"}},
}

// TestKeyWalk visits every page, presses every key its footer and its help
// show, each on a fresh model, and checks that something changed: the
// screen, the footer's message, the pages open, the help, or the program
// ending. A key that does nothing where it is shown is a dead key. When a
// key cannot act where the page opens (up on the first row), it is tried
// again after moving down and to the end.
func TestKeyWalk(t *testing.T) {
	if testing.Short() {
		t.Skip("opens every page once per key")
	}
	_, s := vaulttest.Demo(t)
	fresh := func(t *testing.T, keys []string) *Model {
		m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 120, 40)
		m.c.drives = vault.NewDrives(fakeDetector{drives: twoDrives(t)}, nil)
		for _, k := range keys {
			pressWalk(m, keyMsg(t, k))
		}
		return m
	}
	for _, pg := range walkPages {
		t.Run(pg.name, func(t *testing.T) {
			m := fresh(t, pg.keys)
			p := m.active()
			bindings := append([]key.Binding(nil), p.ShortHelp()...)
			for _, g := range p.FullHelp() {
				bindings = append(bindings, g...)
			}
			// The global keys as the footer and the help list them here.
			bindings = append(bindings, m.globalsFor(p, m.keys.Health, m.keys.Help, m.keys.Hardware, m.keys.Explain, m.keys.Refresh)...)
			seen := map[string]bool{}
			for _, b := range bindings {
				if !b.Enabled() || len(b.Keys()) == 0 || seen[b.Keys()[0]] {
					continue
				}
				k := b.Keys()[0]
				seen[k] = true
				if k == "ctrl+c" {
					continue
				}
				changed := false
				for _, before := range [][]string{nil, {"down"}, {"end"}} {
					m := fresh(t, pg.keys)
					for _, bk := range before {
						pressWalk(m, keyMsg(t, bk))
					}
					was := stateOf(m, false)
					quit := pressWalk(m, keyMsg(t, k))
					if stateOf(m, quit) != was {
						changed = true
						break
					}
				}
				if !changed {
					t.Errorf("%s: %s (%s) changes nothing", pg.name, k, b.Help().Desc)
				}
			}
			if len(seen) == 0 {
				t.Fatalf("%s shows no keys", pg.name)
			}
		})
	}
}

// TestDisabledActionSaysWhy: y on the key page of a root key with no
// Yubikey plugged in did nothing; now it says why, and the key page and
// the help show it disabled with the reason.
func TestDisabledActionSaysWhy(t *testing.T) {
	_, s := sharedDemo(t)
	snap := relocated(t, s)
	m := newTestModel(t, s, snap, 100, 40)
	openRepo(t, m, apiGUN)
	press(m, "g", "enter", "G")
	if got := screen(m); !strings.Contains(got, "not now: no Yubikey is plugged in") {
		t.Errorf("the key page does not show y disabled with its reason:\n%s", got)
	}
	press(m, "y")
	if !m.statusErr || !strings.Contains(m.status, "no Yubikey is plugged in") {
		t.Errorf("y said %q", m.status)
	}
	press(m, "?")
	if got := screen(m); !strings.Contains(got, "Not available now") {
		t.Errorf("the help does not list what cannot run now:\n%s", got)
	}
}

// TestHelpScrollsWhenSmall: at 40x10 the help is longer than the screen;
// j scrolls it (it closed the help before) and every key is there.
func TestHelpScrollsWhenSmall(t *testing.T) {
	_, s := sharedDemo(t)
	snap := relocated(t, s)
	m := newTestModel(t, s, snap, 40, 10)
	press(m, "?")
	first := screen(m)
	if !strings.Contains(first, "scroll") {
		t.Fatalf("the footer does not say the help scrolls:\n%s", first)
	}
	var all strings.Builder
	for i := 0; i < 60 && m.showHelp; i++ {
		all.WriteString(screen(m))
		press(m, "j")
	}
	if !m.showHelp {
		t.Fatal("j closed the help instead of scrolling it")
	}
	for _, want := range []string{"harden weak keys", "restore or drill a backup", "explain an error", "Roles: R root"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("scrolling the help never shows %q", want)
		}
	}
	press(m, "x")
	if m.showHelp {
		t.Error("a key that does not scroll did not close the help")
	}
}

// TestExportFailureKeepsPassphrase: a path that cannot be written keeps
// the passphrase typed (it was cleared before), and says what went wrong
// at the path.
func TestExportFailureKeepsPassphrase(t *testing.T) {
	info, s := vaulttest.Demo(t)
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 100, 30)
	deliver(m, keySelectedMsg{ref: keyRef{id: info.RootKeys[0], location: vault.LocationFile}})
	press(m, "e")
	kp := m.active().(*keyPage)
	bad := filepath.Join(t.TempDir(), "no", "such", "dir", "root.pub")
	for _, r := range demo.Passphrase {
		press(m, string(r))
	}
	press(m, "tab")
	for _, r := range bad {
		press(m, string(r))
	}
	press(m, "enter")
	if kp.form == nil {
		t.Fatalf("the export form closed:\n%s", screen(m))
	}
	if got := kp.form.text(fieldPass); got != demo.Passphrase {
		t.Errorf("the passphrase field holds %d characters after a bad path, want the %d typed", len(got), len(demo.Passphrase))
	}
	if got := kp.form.text(fieldPath); got != bad {
		t.Errorf("the path field holds %q", got)
	}
	if !strings.Contains(screen(m), "no such file") {
		t.Errorf("the form does not say why:\n%s", screen(m))
	}
}

// damagedDemo is a demo vault with registry.example.com/acme/api's targets
// key file overwritten with garbage (damaged), its snapshot.json overwritten
// (damaged metadata), and the docker signer's key missing as the demo makes
// it; targets/alice never signed (absent metadata).
func damagedDemo(t *testing.T) (*vault.Store, string) {
	t.Helper()
	info, s := vaulttest.Demo(t)
	var targets string
	for _, r := range info.Repositories {
		if r.GUN == apiGUN {
			targets = r.Keys["targets"][0]
		}
	}
	if err := os.WriteFile(filepath.Join(info.Dir, "private", targets+".key"), []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	meta := filepath.Join(info.Dir, "tuf", filepath.FromSlash(apiGUN), "metadata", "snapshot.json")
	if err := os.WriteFile(meta, []byte("{broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	return s, targets
}

// TestThreeStates: a damaged key file is "damaged" (restore it), not
// "missing: found nowhere"; a missing key says import or rotate; absent
// metadata says pull; damaged metadata says move it aside and pull again.
// The repository page and the key page agree, each with its fix.
func TestThreeStates(t *testing.T) {
	s, targets := damagedDemo(t)
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 120, 60)
	rp := openRepo(t, m, apiGUN)
	sc := screen(m)
	flat := strings.Join(strings.Fields(sc), " ")
	for _, want := range []string{
		"damaged", "restore from a backup", // the key line
		"metadata damaged",     // the snapshot heading
		"no metadata file yet", // targets/alice
		"TO FIX",
		vault.ShortID(targets) + " is damaged: its file is here but cannot be read",
		"missing: metadata names it",
		"import a copy (trustvault import FILE) or rotate it",
		"no metadata file in the cache", "pull it (P on the repository page, or trustvault --trust-dir",
		"the cached metadata file is damaged", "move it aside and pull again",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the repository page does not say %q:\n%s", want, sc)
		}
	}
	// The damaged key's line is not called missing.
	for _, l := range strings.Split(sc, "\n") {
		if strings.Contains(l, vault.ShortID(targets)) && strings.Contains(l, "found nowhere") {
			t.Errorf("the damaged key is shown as missing: %q", l)
		}
	}
	// Its key page: damaged, with the same fix.
	if !rp.findKey(targets[:3]) {
		t.Fatal("the damaged key is not on the repository page")
	}
	press(m, "enter")
	kp := m.active().(*keyPage)
	if kp.ref.location != vault.LocationDamaged {
		t.Errorf("the key page's location is %v", kp.ref.location)
	}
	if flat := strings.Join(strings.Fields(screen(m)), " "); !strings.Contains(flat, "damaged: its file is here but cannot be read; restore the file from a backup") {
		t.Errorf("the key page does not say damaged with its fix:\n%s", screen(m))
	}
}

// TestFindKeyByID: a key ID's start of any length finds the key's
// repository on the repositories page and lands on the key inside it; /
// inside a repository does the same.
func TestFindKeyByID(t *testing.T) {
	info, s := sharedDemo(t)
	snap := relocated(t, s)
	var snapshotKey string
	for _, r := range info.Repositories {
		if r.GUN == apiGUN {
			snapshotKey = r.Keys["snapshot"][0]
		}
	}
	m := newTestModel(t, s, snap, 120, 40)
	press(m, "/")
	for _, r := range snapshotKey[:3] { // three characters: too few before
		press(m, string(r))
	}
	press(m, "enter", "enter")
	rp, ok := m.active().(*repoPage)
	if !ok || rp.gun != apiGUN {
		t.Fatalf("the filter %s did not lead to %s:\n%s", snapshotKey[:3], apiGUN, screen(m))
	}
	if got := rp.lines[rp.list.cursor].ref.id; got != snapshotKey {
		t.Errorf("the cursor is on %s, want %s", vault.ShortID(got), vault.ShortID(snapshotKey))
	}
	// Inside the repository: / and two characters of the root key.
	root := info.RootKeys[0]
	press(m, "g")
	if rp.lines[rp.list.cursor].ref.id == snapshotKey {
		press(m, "j")
	}
	press(m, "/", string(snapshotKey[0]), string(snapshotKey[1]), "enter")
	if got := rp.lines[rp.list.cursor].ref.id; !strings.HasPrefix(got, snapshotKey[:2]) {
		t.Errorf("/ %s put the cursor on %s", snapshotKey[:2], vault.ShortID(got))
	}
	press(m, "/", string(root[0]), "esc")
	if got := rp.lines[rp.list.cursor].ref.id; !strings.HasPrefix(got, snapshotKey[:2]) {
		t.Errorf("esc did not put the cursor back: %s", vault.ShortID(got))
	}
}

// TestCtrlCDuringBackupAsks: ctrl+c while a backup writes asks first and
// says what state each drive is in; a second ctrl+c quits.
func TestCtrlCDuringBackupAsks(t *testing.T) {
	_, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 120, 40)
	bp, _ := newBackupPage(m.c)
	bp.step = backupWriting
	bp.plan = &vault.BackupPlan{Targets: []vault.BackupTarget{{Dir: "/media/a"}, {Dir: "/media/b"}}}
	bp.prog[0] = vault.BackupProgress{Target: 0, Stage: vault.StageVerify, Done: 5, Total: 10}
	m.Update(pageOpenedMsg{p: bp})
	if !strings.Contains(screen(m), "packing and encrypting") {
		t.Errorf("a drive with no progress yet does not say what is happening:\n%s", screen(m))
	}
	if quit := pressWalk(m, keyMsg(t, "ctrl+c")); quit {
		t.Fatal("ctrl+c during a backup quit at once")
	}
	if !strings.Contains(m.status, "verifying, its copy is incomplete") || !strings.Contains(m.status, "nothing written yet") ||
		!strings.Contains(m.status, "ctrl+c again") {
		t.Errorf("the question says %q", m.status)
	}
	if quit := pressWalk(m, keyMsg(t, "ctrl+c")); !quit {
		t.Error("a second ctrl+c did not quit")
	}
}

// TestAdviceUsesOpenDirectory: the empty state's command acts on the
// directory open, with --trust-dir when it is not the default.
func TestAdviceUsesOpenDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my trust")
	s, err := vault.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 200, 40)
	if want := "trustvault --trust-dir '" + dir + "' generate --role root"; !strings.Contains(screen(m), want) {
		t.Errorf("the empty state does not say %q:\n%s", want, screen(m))
	}
}

// TestBackupNoEligibleDrive: with one eligible drive the picker says what
// to do before anything starts.
func TestBackupNoEligibleDrive(t *testing.T) {
	_, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 120, 40)
	ds := twoDrives(t)
	ds[1].Eligible, ds[1].Reason = false, "it is the disk the trust directory is on"
	m.c.drives = vault.NewDrives(fakeDetector{drives: ds}, nil)
	press(m, "b")
	if !strings.Contains(strings.Join(strings.Fields(screen(m)), " "), "Only one drive can take a backup") {
		t.Errorf("the picker does not say a second drive is needed:\n%s", screen(m))
	}
}

// TestGoldenTruth renders at 40x10, 80x24 and 200x60 the pages whose
// text was cut or wrong: the repository page (with its fixes), a root key
// opened from a repository, its guide, the health page (its subject
// column), the help, and a repository with a damaged key and damaged
// metadata.
func TestGoldenTruth(t *testing.T) {
	_, s := sharedDemo(t)
	snap := relocated(t, s)
	ds, _ := damagedDemo(t)
	dsnap := relocated(t, ds)
	for i := range dsnap.repos { // the parse errors name the file
		r := &dsnap.repos[i]
		for j, err := range r.Problems {
			r.Problems[j] = errors.New(strings.ReplaceAll(err.Error(), ds.Dir(), shownDir))
		}
		for j := range r.Roles {
			if err := r.Roles[j].MetadataErr; err != nil {
				r.Roles[j].MetadataErr = errors.New(strings.ReplaceAll(err.Error(), ds.Dir(), shownDir))
			}
		}
	}
	cases := []struct {
		name  string
		s     *vault.Store
		snap  *snapshot
		setup func(m *Model)
	}{
		{"repository-api", s, snap, func(m *Model) { deliver(m, repoSelectedMsg{gun: apiGUN}) }},
		{"key-root-from-api", s, snap, func(m *Model) { deliver(m, repoSelectedMsg{gun: apiGUN}); press(m, "g", "enter") }},
		{"guide-root-from-api", s, snap, func(m *Model) { deliver(m, repoSelectedMsg{gun: apiGUN}); press(m, "g", "enter", "L") }},
		{"health", s, snap, func(m *Model) { press(m, "!") }},
		{"health-filtered", s, snap, func(m *Model) { press(m, "!", "/", "a", "p", "i", "enter") }},
		{"help-key", s, snap, func(m *Model) { deliver(m, repoSelectedMsg{gun: apiGUN}); press(m, "g", "enter", "?") }},
		{"repository-damaged", ds, dsnap, func(m *Model) { deliver(m, repoSelectedMsg{gun: apiGUN}); press(m, "G") }},
	}
	for _, size := range [][2]int{{40, 10}, {80, 24}, {200, 60}} {
		for _, tc := range cases {
			name := fmt.Sprintf("%s-%dx%d", tc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newTestModel(t, tc.s, tc.snap, size[0], size[1])
				tc.setup(m)
				got := screen(m)
				if tc.s == ds {
					got = strings.ReplaceAll(got, ds.Dir(), shownDir)
				}
				for i, l := range strings.Split(got, "\n") {
					if w := textWidth(l); w > size[0] {
						t.Errorf("line %d is %d cells wide, more than %d: %q", i, w, size[0], l)
					}
				}
				golden(t, name, got)
			})
		}
	}
}
