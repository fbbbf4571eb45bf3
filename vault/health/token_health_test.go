package health

import (
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

func TestHealthRootKeysAndTokens(t *testing.T) {
	enc := vault.Encryption{Scheme: vault.SchemePBES2, Iterations: vault.HardenedIterations}
	fileRoot := vault.Key{ID: strings.Repeat("a", 64), Role: "root", Path: "/t/private/aaa.key", Location: vault.LocationFile, Encryption: enc, Mode: 0o600, ModTime: vaulttest.Now().Add(-time.Hour)}
	movedRoot := vault.Key{ID: strings.Repeat("b", 64), Role: "root", Path: "/t/private/bbb.key", Location: vault.LocationFile, Encryption: enc, Mode: 0o600, ModTime: vaulttest.Now().Add(-time.Hour)}
	ref := vault.TokenRef{Serial: 12345678, Slot: "9c"}
	tokens := []token.Key{
		{ID: movedRoot.ID, Role: "root", Token: ref, Proven: true},
		{ID: strings.Repeat("c", 64), Role: "root", Token: vault.TokenRef{Serial: 12345678, Slot: "9e"}, Generated: true, Proven: true},
		{ID: strings.Repeat("d", 64), Role: "root", Token: vault.TokenRef{Serial: 7, Slot: "9c"}, Proven: true},
		{ID: strings.Repeat("e", 64), Role: "root", Token: vault.TokenRef{Serial: 7, Slot: "9e"}},
	}
	keys := token.Locate([]vault.Key{fileRoot, movedRoot}, tokens)
	fs := Diagnose(Input{Now: vaulttest.Now(), Keys: keys, Tokens: tokens})
	got := map[string]Finding{}
	for _, f := range fs {
		if f.Check == CheckRootOnDisk {
			got[vault.ShortID(f.KeyID)] = f
		}
		if f.KeyID == tokens[1].ID || f.KeyID == tokens[2].ID {
			if f.Check != CheckRootOnDisk {
				t.Errorf("a key only on a token was checked as a file: %s %s", f.Check, f.Message)
			}
		}
	}
	if f, ok := got["aaaaaaa"]; !ok || f.Severity != SeverityWarning || !strings.Contains(f.Fix, "trustvault yubikey import-root aaaaaaa") {
		t.Errorf("root key only on disk: %+v", f)
	}
	if f, ok := got["bbbbbbb"]; ok {
		t.Errorf("root key on a token, its file the backup, raised %+v", f)
	}
	if f, ok := got["ccccccc"]; !ok || f.Severity != SeverityProblem || !strings.Contains(f.Message, "generated there, so it has no backup") {
		t.Errorf("root key generated on a token: %+v", f)
	}
	if f, ok := got["eeeeeee"]; !ok || f.Severity != SeverityWarning || !strings.Contains(f.Message, "does not show the key itself") {
		t.Errorf("a certificate alone on a token: %+v", f)
	}
	if f, ok := got["ddddddd"]; !ok || f.Severity != SeverityInfo {
		t.Errorf("root key moved to a token from elsewhere: %+v", f)
	}
}
