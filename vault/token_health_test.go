package vault

import (
	"strings"
	"testing"
	"time"
)

func TestHealthRootKeysAndTokens(t *testing.T) {
	enc := Encryption{Scheme: SchemePBES2, Iterations: HardenedIterations}
	fileRoot := Key{ID: strings.Repeat("a", 64), Role: "root", Path: "/t/private/aaa.key", Location: LocationFile, Encryption: enc, Mode: 0o600, ModTime: healthNow.Add(-time.Hour)}
	movedRoot := Key{ID: strings.Repeat("b", 64), Role: "root", Path: "/t/private/bbb.key", Location: LocationFile, Encryption: enc, Mode: 0o600, ModTime: healthNow.Add(-time.Hour)}
	ref := TokenRef{Serial: 12345678, Slot: "9c"}
	tokens := []TokenKey{
		{ID: movedRoot.ID, Role: "root", Token: ref},
		{ID: strings.Repeat("c", 64), Role: "root", Token: TokenRef{Serial: 12345678, Slot: "9e"}, Generated: true},
		{ID: strings.Repeat("d", 64), Role: "root", Token: TokenRef{Serial: 7, Slot: "9c"}},
	}
	keys := WithTokens([]Key{fileRoot, movedRoot}, tokens)
	fs := Diagnose(HealthInput{Now: healthNow, Keys: keys, Tokens: tokens})
	got := map[string]Finding{}
	for _, f := range fs {
		if f.Check == CheckRootOnDisk {
			got[ShortID(f.KeyID)] = f
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
	if f, ok := got["ccccccc"]; !ok || f.Severity != SeverityWarning || !strings.Contains(f.Message, "generated there and has no backup") {
		t.Errorf("root key generated on a token: %+v", f)
	}
	if f, ok := got["ddddddd"]; !ok || f.Severity != SeverityInfo {
		t.Errorf("root key moved to a token from elsewhere: %+v", f)
	}
}
