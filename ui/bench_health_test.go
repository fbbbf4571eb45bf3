package ui

import (
	"context"
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// benchHealthFindings is the Health page's load in the keystroke
// benchmark: 300,000 findings, three about each of 100,000 keys.
const benchHealthFindings = 300_000

// healthBenchModel is a model at w x h on the 10,000-key store with
// 300,000 findings, the Health page open.
func healthBenchModel(b *testing.B, w, h int) *Model {
	b.Helper()
	big := sharedBigSnapshot(b)
	snap := newSnapshot(big.dir, big.now, false, big.keys, big.repos, nil, nil)
	fs := make([]health.Finding, benchHealthFindings)
	checks := []string{health.CheckEncryption, health.CheckBackup, health.CheckOrphanKey}
	for i := range fs {
		id := benchID("finding", i/3)
		fs[i] = health.Finding{Check: checks[i%3], Severity: health.Severity(i % 3), KeyID: id,
			GUN:     fmt.Sprintf("registry.example.com/team-%03d/service-%04d", i%97, i%3000),
			Message: "key " + id[:12] + " needs attention", Fix: "trustvault harden " + id[:12]}
	}
	health.Sort(fs)
	snap.setHealth(fs)
	m := newModel(context.Background(), Options{Store: &vault.Store{}, Now: vaulttest.Now})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(vaultLoadedMsg{snap: snap})
	press(m, "!")
	if _, ok := m.active().(*healthPage); !ok {
		b.Fatalf("the Health page did not open: %T", m.active())
	}
	if n := len(m.active().(*healthPage).findings()); n != benchHealthFindings {
		b.Fatalf("the Health page shows %d findings", n)
	}
	return m
}

// BenchmarkKeystrokeHealth is one key press and its frame on the Health
// page with 300,000 findings. Goal: at most 2 ms.
func BenchmarkKeystrokeHealth(b *testing.B) {
	down, up := keyPress("j"), keyPress("k")
	b.Run("move/160x48", func(b *testing.B) {
		m := healthBenchModel(b, 160, 48)
		keystrokes(b, m, down, down, up, up)
	})
	b.Run("bottom-and-top/160x48", func(b *testing.B) {
		m := healthBenchModel(b, 160, 48)
		keystrokes(b, m, keyPress("G"), keyPress("g"))
	})
}
