package health

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

func TestKeyBackupState(t *testing.T) {
	now := vaulttest.Now()
	k := vault.Key{ID: strings.Repeat("a", 64), Role: "root", ModTime: now.Add(-48*time.Hour + 300*time.Millisecond)}
	other := strings.Repeat("b", 64)
	current, older := k.ModTime.Truncate(time.Second), k.ModTime.Add(-time.Hour)
	rec := func(drive string, verified, modified time.Time) vault.BackupRecord {
		return vault.BackupRecord{KeyID: k.ID, Where: "KEYS-" + drive, Drive: "usb:" + drive, VerifiedAt: verified, KeyModTime: modified}
	}
	cases := []struct {
		name     string
		records  []vault.BackupRecord
		want     BackupState
		wantCur  []bool // Current, newest copy first
		verified time.Time
	}{
		{"no records", nil, BackupNone, nil, time.Time{}},
		{"another key's copies", []vault.BackupRecord{{KeyID: other, Drive: "usb:A", VerifiedAt: now}}, BackupNone, nil, time.Time{}},
		{"never verified", []vault.BackupRecord{rec("A", time.Time{}, current)}, BackupNone, nil, time.Time{}},
		{"one drive", []vault.BackupRecord{rec("A", now, current)}, BackupOne, []bool{true}, now},
		{"two drives", []vault.BackupRecord{rec("A", now.Add(-time.Hour), current), rec("B", now, current)}, BackupTwo, []bool{true, true}, now},
		{"two records, one drive", []vault.BackupRecord{rec("A", now.Add(-time.Hour), current), rec("A", now, current)}, BackupOne, []bool{true, true}, now},
		{"unknown key time counts as current", []vault.BackupRecord{rec("A", now, time.Time{}), rec("B", now, time.Time{})}, BackupTwo, []bool{true, true}, now},
		{"every copy older", []vault.BackupRecord{rec("A", now, older), rec("B", now.Add(-time.Hour), older)}, BackupOlder, []bool{false, false}, time.Time{}},
		{"one current, one older", []vault.BackupRecord{rec("A", now, older), rec("B", now.Add(-time.Hour), current)}, BackupOne, []bool{false, true}, now.Add(-time.Hour)},
		{"sub-second difference is not older", []vault.BackupRecord{rec("A", now, current), rec("B", now, current)}, BackupTwo, []bool{true, true}, now},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := KeyBackupState(k, tc.records)
			if b.State != tc.want {
				t.Errorf("state %v, want %v", b.State, tc.want)
			}
			if !slices.Equal(b.Current, tc.wantCur) && (len(b.Current) != 0 || len(tc.wantCur) != 0) {
				t.Errorf("current %v, want %v", b.Current, tc.wantCur)
			}
			if want := map[BackupState]int{BackupOne: 1, BackupTwo: 2}[tc.want]; b.Drives() != want {
				t.Errorf("drives %d, want %d", b.Drives(), want)
			}
			if !b.Verified().Equal(tc.verified) {
				t.Errorf("verified %v, want %v", b.Verified(), tc.verified)
			}
		})
	}
}

func TestBackupStateOrder(t *testing.T) {
	got := []string{BackupNone.String(), BackupOlder.String(), BackupOne.String(), BackupTwo.String()}
	want := []string{"none", "older than the key", "one verified", "two verified"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if !(BackupNone < BackupOlder && BackupOlder < BackupOne && BackupOne < BackupTwo) {
		t.Error("states are not ordered weakest first")
	}
}
