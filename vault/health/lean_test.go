package health

import (
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// TestDiagnoseLeanText: DiagnoseLean gives Diagnose's findings in
// Diagnose's order, the bulk ones without a Message, and Text builds
// each message exactly as Diagnose wrote it.
func TestDiagnoseLeanText(t *testing.T) {
	key := func(c, role, gun string, iter int) vault.Key {
		return vault.Key{ID: strings.Repeat(c, 64), Role: role, GUN: gun, Path: "/t/private/" + c + ".key", Location: vault.LocationFile,
			Encryption: vault.Encryption{Scheme: vault.SchemePBES2, Iterations: iter}, ModTime: vaulttest.Now().Add(-time.Hour), Mode: 0o600}
	}
	keys := []vault.Key{
		key("a", "root", "", vault.HardenedIterations),
		key("b", "targets", "docker.io/x/y", vault.CompatIterations),
		key("c", "", "", vault.HardenedIterations),
		key("d", "targets/releases", "docker.io/x/z", vault.HardenedIterations),
	}
	in := Input{Now: vaulttest.Now(), Keys: keys, Command: "trustvault --trust-dir /t",
		Backups: []vault.BackupRecord{{KeyID: keys[3].ID, Where: "drive A", Drive: "drive A", VerifiedAt: vaulttest.Now()}}}
	eager, lean := Diagnose(in), DiagnoseLean(in)
	if len(eager) != len(lean) {
		t.Fatalf("DiagnoseLean gave %d findings, Diagnose %d", len(lean), len(eager))
	}
	empty := 0
	for i := range eager {
		e, l := eager[i], lean[i]
		if e.Message == "" {
			t.Fatalf("Diagnose left finding %d without a message: %+v", i, e)
		}
		if l.Message == "" {
			empty++
		}
		if got := l.Text(); got != e.Message {
			t.Errorf("finding %d (%s %s): Text %q, Diagnose's message %q", i, l.Check, vault.ShortID(l.KeyID), got, e.Message)
		}
		l.Message = e.Message
		if l != e {
			t.Errorf("finding %d differs beyond its message:\n lean  %+v\n eager %+v", i, l, e)
		}
	}
	// orphans: all four keys; no backup: three (d has one).
	if empty != 7 {
		t.Errorf("%d lean findings without a message, want 7 (4 orphan-key, 3 backup)", empty)
	}
}
