package ui

import (
	"context"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// healthFigures are what only the health checks can say: a count of
// problems or warnings, and a HEALTH badge (✗ 2, ! 5, ok).
var healthFigures = regexp.MustCompile(`[0-9]+ (problems?|warnings?)|[✗!] [0-9]+|\bok\b|Nothing needs attention`)

// stagedModel is a model at 160x40 with the first stage of a reading of
// s delivered (its health checks not run), and that reading.
func stagedModel(t *testing.T, s *vault.Store) (*Model, vaultLoadedMsg) {
	t.Helper()
	m := newModel(context.Background(), Options{Store: s, Now: vaulttest.Now})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	msg, ok := loadVaultCmd(s, vaulttest.Now, nil)().(vaultLoadedMsg)
	if !ok || msg.check == nil {
		t.Fatalf("the load sent %T, check %v", msg, msg.check != nil)
	}
	if msg.snap.counts.checked {
		t.Fatal("the first stage of the load already has its health checked")
	}
	m.Update(msg) // the check is held back: the view as it is meanwhile
	return m, msg
}

// TestStagedLoad: the keys reach the screen before the health checks
// end; until then no page shows a figure only they can give (no count of
// problems or warnings, no HEALTH badge, not "Nothing needs attention"),
// and when they end the figures are the engine's, as a whole reading
// gives them.
func TestStagedLoad(t *testing.T) {
	info, s := sharedDemo(t)
	full := readSnapshot(s, vaulttest.Now())
	if full.counts.warnings == 0 {
		t.Fatalf("the demo vault has %+v: the test would show nothing", full.counts)
	}
	m, msg := stagedModel(t, s)
	if msg.snap.counts.keys != full.counts.keys || msg.snap.counts.repos != full.counts.repos {
		t.Errorf("first stage %+v, whole reading %+v", msg.snap.counts, full.counts)
	}
	header := func() string { return strings.SplitN(screen(m), "\n", 2)[0] }
	meanwhile := func(what string) {
		t.Helper()
		scr := screen(m)
		if f := healthFigures.FindString(scr); f != "" {
			t.Errorf("%s shows %q before the health checks ended:\n%s", what, f, scr)
		}
		if !strings.Contains(header(), "checking health…") {
			t.Errorf("%s: the header does not say health is being checked: %q", what, header())
		}
	}
	meanwhile("the repositories page")
	if !strings.Contains(screen(m), "10 keys") || !strings.Contains(screen(m), info.Missing.GUN) {
		t.Errorf("the keys are not on screen:\n%s", screen(m))
	}
	press(m, "!")
	if activeTitle(m) != "Health" || !strings.Contains(screen(m), "Checking health…") {
		t.Errorf("the Health page, meanwhile:\n%s", screen(m))
	}
	meanwhile("the Health page")
	press(m, "enter") // no finding to open
	if activeTitle(m) != "Health" {
		t.Errorf("enter on the Health page meanwhile opened %q", activeTitle(m))
	}
	press(m, "esc", "enter", "enter")
	kp, ok := m.active().(*keyPage)
	if !ok {
		t.Fatalf("enter, enter opened %T", m.active())
	}
	if !strings.Contains(screen(m), "being checked…") {
		t.Errorf("the key page does not say its health is being checked:\n%s", screen(m))
	}
	meanwhile("the key page")

	checked, ok := msg.check().(healthCheckedMsg)
	if !ok || checked.base != msg.snap {
		t.Fatalf("the check sent %T", checked)
	}
	m.Update(checked)
	if m.c.snap.counts != full.counts {
		t.Errorf("after the checks %+v, a whole reading %+v", m.c.snap.counts, full.counts)
	}
	if len(m.c.snap.health.findings) != len(full.health.findings) {
		t.Errorf("%d findings, a whole reading %d", len(m.c.snap.health.findings), len(full.health.findings))
	}
	if m.active() != kp || strings.Contains(screen(m), "being checked…") || strings.Contains(header(), "checking health") {
		t.Errorf("after the checks, still checking:\n%s", screen(m))
	}
	if want := plural(full.counts.warnings, "warning", "warnings"); !strings.Contains(header(), want) {
		t.Errorf("the header lacks %q: %q", want, header())
	}
	if msg.snap.counts.checked {
		t.Error("the checks changed the first stage's snapshot, which pages may still hold")
	}
}

// TestStaleHealthDropped: the findings of a reading that a newer one
// replaced are not shown with the newer one.
func TestStaleHealthDropped(t *testing.T) {
	_, s := sharedDemo(t)
	m, first := stagedModel(t, s)
	second := loadVaultCmd(s, vaulttest.Now, nil)().(vaultLoadedMsg)
	m.Update(second)
	m.Update(first.check())
	if m.c.snap != second.snap || !strings.Contains(screen(m), "checking health…") {
		t.Fatalf("the first reading's findings replaced the second reading:\n%s", screen(m))
	}
	m.Update(second.check())
	if !m.c.snap.counts.checked || m.c.snap.counts.warnings == 0 {
		t.Errorf("the second reading's findings: %+v", m.c.snap.counts)
	}
}

// TestReloadWhileChecking: a refresh asked for while the health checks
// run starts when they end (not beside them, which would hold two
// readings in memory), and says that it happened once its own checks
// ended, with their figures.
func TestReloadWhileChecking(t *testing.T) {
	_, s := sharedDemo(t)
	m, msg := stagedModel(t, s)
	if _, cmd := m.Update(keyPress("r")); cmd != nil || m.loading {
		t.Fatalf("r started a reading beside the health checks (loading %v)", m.loading)
	}
	_, cmd := m.Update(msg.check())
	if cmd == nil || !m.loading {
		t.Fatalf("the refresh did not start when the checks ended (loading %v)", m.loading)
	}
	for _, next := range run(cmd) {
		deliver(m, next)
	}
	if m.loading || !m.c.snap.counts.checked || m.c.snap == msg.snap {
		t.Errorf("the second reading did not arrive whole: loading %v, %+v", m.loading, m.c.snap.counts)
	}
	want := "again: " + strings.Join(countsText(m.c.snap.counts, false), " · ")
	if !strings.Contains(m.status, want) || strings.Contains(m.status, "checking") {
		t.Errorf("status %q: the refresh is not said with its figures (%q)", m.status, want)
	}
}

// TestHealthRowCounts: each repositories row counts the findings about its
// repository or a key it shows, once each, as its definition says.
func TestHealthRowCounts(t *testing.T) {
	_, s := sharedDemo(t)
	snap := readSnapshot(s, vaulttest.Now())
	some := false
	for _, r := range snap.rows {
		var want [2]int
		for _, f := range snap.health.findings {
			about := (!r.orphan && f.GUN == r.gun) || (f.KeyID != "" && slices.Contains(r.ids, f.KeyID))
			switch {
			case !about:
			case f.Severity == health.SeverityProblem:
				want[0]++
			case f.Severity == health.SeverityWarning:
				want[1]++
			}
		}
		if got := snap.health.rows[r]; got != want {
			t.Errorf("row %q (orphan %v): %v, want %v", r.gun, r.orphan, got, want)
		}
		some = some || want != [2]int{}
	}
	if !some {
		t.Fatal("no row has a finding: the test would show nothing")
	}
}

// TestSetBackupsPerKey: each key's backup state, worked out from its own
// records, is what the engine works out from all of them.
func TestSetBackupsPerKey(t *testing.T) {
	now := vaulttest.Now()
	var keys []vault.Key
	var records []vault.BackupRecord
	for i := range 40 {
		id := benchID("backup", i)
		keys = append(keys, vault.Key{ID: id, Role: "targets/releases", Path: "/t/private/" + id + ".key", ModTime: now})
		// Key i has i%4 copies: on drive a, b, b again, and one older
		// than the key; one copy never verified.
		for j := range i % 4 {
			r := vault.BackupRecord{KeyID: id, Drive: string(rune('a' + min(j, 1))), Where: "drive", VerifiedAt: now.Add(time.Duration(j) * time.Minute)}
			if j == 2 {
				r.KeyModTime = now.Add(-time.Hour)
			}
			records = append(records, r)
		}
		if i%5 == 0 {
			records = append(records, vault.BackupRecord{KeyID: id, Drive: "c", Where: "drive"})
		}
	}
	s := newSnapshot("/t", now, false, keys, nil, nil, nil)
	s.setBackups(records, nil)
	states := map[health.BackupState]int{}
	for _, k := range keys {
		want := health.KeyBackupState(k, records)
		got, ok := s.keyBackup(k.ID)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("key %s: %+v, want %+v", k.ID[:7], got, want)
		}
		states[want.State]++
	}
	if len(states) < 3 {
		t.Errorf("the keys cover only the states %v", states)
	}
}

// TestHealthIsNotAReadingAgain: the Migration page's report, built while
// the health checks ran, is not called older than the reading when they
// end; a new reading still makes it so.
func TestHealthIsNotAReadingAgain(t *testing.T) {
	_, s := sharedDemo(t)
	m, msg := stagedModel(t, s)
	press(m, "M")
	mp, ok := m.active().(*migrationPage)
	if !ok || mp.loading || len(mp.report) == 0 {
		t.Fatalf("M opened %T", m.active())
	}
	const again = "read again since"
	m.Update(msg.check())
	if !m.c.snap.counts.checked || strings.Contains(screen(m), again) {
		t.Errorf("after the health checks (checked %v):\n%s", m.c.snap.counts.checked, screen(m))
	}
	deliver(m, loadVaultCmd(s, vaulttest.Now, nil)())
	if !strings.Contains(screen(m), again) {
		t.Errorf("after a new reading the page does not say so:\n%s", screen(m))
	}
}

// TestHealthCheckBesideView: the health checks run beside the event loop,
// which keeps drawing and taking keys on the reading they check; under
// -race this shows that neither writes what the other reads.
func TestHealthCheckBesideView(t *testing.T) {
	_, s := sharedDemo(t)
	m, msg := stagedModel(t, s)
	done := make(chan tea.Msg, 1)
	go func() { done <- msg.check() }()
	var checked tea.Msg
	for i := 0; checked == nil; i++ {
		press(m, []string{"j", "k", "enter", "esc"}[i%4])
		_ = screen(m)
		select {
		case checked = <-done:
		default:
		}
	}
	m.Update(checked)
	if !m.c.snap.counts.checked || strings.Contains(screen(m), "checking health") {
		t.Errorf("after the checks:\n%s", screen(m))
	}
}
