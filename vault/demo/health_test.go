package demo_test

import (
	"slices"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
)

// TestDemoHealth: the demo vault shows several checks at once, the ones a
// newcomer should see: a missing signer key, the role about to expire, weak
// and legacy encryption, no backups, root keys only on disk, a root key
// shared by three repositories and the orphaned key.
func TestDemoHealth(t *testing.T) {
	info, s := generate(t)
	fs := health.Check(s, now, "")
	byCheck := map[string][]health.Finding{}
	for _, f := range fs {
		byCheck[f.Check] = append(byCheck[f.Check], f)
	}
	for _, c := range []string{
		health.CheckMissingKey, health.CheckExpiry, health.CheckEncryption, health.CheckBackup,
		health.CheckRootOnDisk, health.CheckSharedRoot, health.CheckOrphanKey,
	} {
		if len(byCheck[c]) == 0 {
			t.Errorf("the demo vault raises no %s finding", c)
		}
	}
	has := func(check, id, gun string) bool {
		return slices.ContainsFunc(byCheck[check], func(f health.Finding) bool {
			return f.KeyID == id && (gun == "" || f.GUN == gun)
		})
	}
	if !has(health.CheckMissingKey, info.Missing.ID, info.Missing.GUN) {
		t.Errorf("the missing key %s is not reported missing", vault.ShortID(info.Missing.ID))
	}
	if !has(health.CheckOrphanKey, info.Orphan.ID, "") {
		t.Errorf("the orphan key %s is not reported", vault.ShortID(info.Orphan.ID))
	}
	if !has(health.CheckEncryption, info.Legacy.ID, "") {
		t.Errorf("the legacy key %s is not reported weak", vault.ShortID(info.Legacy.ID))
	}
	if !has(health.CheckSharedRoot, info.RootKeys[0], "") {
		t.Errorf("the shared root key %s is not reported", vault.ShortID(info.RootKeys[0]))
	}
	if !slices.ContainsFunc(byCheck[health.CheckExpiry], func(f health.Finding) bool {
		return f.GUN == info.Expiring.GUN && f.Role == info.Expiring.Role && f.Severity == health.SeverityWarning
	}) {
		t.Errorf("%s %s expiring is not a warning", info.Expiring.GUN, info.Expiring.Role)
	}
	for i := 1; i < len(fs); i++ {
		if fs[i].Severity > fs[i-1].Severity {
			t.Fatalf("findings are not most urgent first: %v before %v", fs[i-1], fs[i])
		}
	}
}
