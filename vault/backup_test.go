package vault_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/hardware/drivetest"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// backupRig is a demo trust directory and two drives: real directories
// presented to the detector as two USB sticks of a fake machine.
type backupRig struct {
	store  *vault.Store
	drives *vault.Drives
	a, b   string // mount points
	tree   *drivetest.Tree
}

func newBackupRig(t testing.TB, a, b string) *backupRig {
	t.Helper()
	base := t.TempDir()
	if a == "" {
		a, b = filepath.Join(base, "KEYS-A"), filepath.Join(base, "KEYS-B")
		for _, d := range []string{a, b} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	info := vaulttest.LiveDemo(t, filepath.Join(base, "trust"))
	s, err := vault.Open(info.Dir)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := drivetest.FakeMachine(filepath.Join(base, "fake"), a, b)
	if err != nil {
		t.Fatal(err)
	}
	d, err := vault.DrivesAt(tree.ProcRoot, tree.SysRoot, tree.RunRoot)
	if err != nil {
		t.Fatal(err)
	}
	return &backupRig{store: s, drives: d, a: a, b: b, tree: tree}
}

func (r *backupRig) backup(t testing.TB, pass []byte) (*vault.BackupResult, error) {
	t.Helper()
	plan, err := r.store.PlanBackup(r.drives, []string{r.a, r.b})
	if err != nil {
		t.Fatal(err)
	}
	return r.store.Backup(plan, vault.BackupOptions{Passphrase: pass, WorkFactor: 10})
}

func countFindings(fs []health.Finding, check string) int {
	n := 0
	for _, f := range fs {
		if f.Check == check {
			n++
		}
	}
	return n
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	r := newBackupRig(t, "", "")
	before := countFindings(health.Check(r.store, time.Now(), ""), health.CheckBackup)
	if before == 0 {
		t.Fatal("the demo has no backup findings to start with")
	}
	var stages []vault.CopyStage
	plan, err := r.store.PlanBackup(r.drives, []string{r.a, r.b})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Warnings) != 0 {
		t.Errorf("warnings %q", plan.Warnings)
	}
	res, err := r.store.Backup(plan, vault.BackupOptions{Progress: func(p vault.BackupProgress) {
		if p.Target == 1 {
			stages = append(stages, p.Stage)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Copies) != 2 || res.Failed() != 0 || len(res.Keys) < 8 || res.Encrypted {
		t.Fatalf("%+v", res)
	}
	if len(stages) == 0 || stages[len(stages)-1] != vault.StageDone {
		t.Errorf("progress of the second copy: %v", stages)
	}
	for _, dir := range []string{r.a, r.b} {
		if _, err := os.Stat(filepath.Join(dir, res.Archive)); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(filepath.Join(dir, res.Archive+".sha256")); err != nil {
			t.Error(err)
		}
	}
	// Health: two verified copies of every key file.
	if n := countFindings(health.Check(r.store, time.Now(), ""), health.CheckBackup); n != 0 {
		t.Errorf("%d backup findings after a backup to two drives", n)
	}
	recs, err := r.store.BackupLedger().BackupRecords()
	if err != nil || len(recs) != 2*len(res.Keys) {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	if !strings.Contains(recs[0].Where, "SanDisk Cruzer Blade, serial TV00000") || recs[0].Drive == recs[len(recs)-1].Drive {
		t.Errorf("records %+v", recs[0])
	}

	// A drill against the live store: every key the same.
	data, err := vault.ReadArchive(filepath.Join(r.b, res.Archive))
	if err != nil {
		t.Fatal(err)
	}
	drill, err := r.store.Drill(data, nil)
	if err != nil || !drill.OK() || len(drill.Keys) != len(res.Keys) || drill.Metadata == 0 {
		t.Fatalf("drill %v %+v", err, drill)
	}
	// Verify the copy on A: read back, sidecar, records renewed.
	rep, err := r.store.VerifyArchive(filepath.Join(r.a, res.Archive), r.drives, nil, time.Now().Add(time.Hour))
	if err != nil || !rep.Recorded || rep.Sidecar == "" {
		t.Fatalf("verify %v %+v", err, rep)
	}

	// Restore into an empty trust directory: the same key files.
	fresh, _ := vault.Open(filepath.Join(t.TempDir(), "trust"))
	rr, err := fresh.Restore(data, vault.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rr.Written) == 0 {
		t.Fatal("nothing restored")
	}
	orig, _ := r.store.Keys()
	got, _ := fresh.Keys()
	if len(got) != len(orig) {
		t.Fatalf("%d keys restored, want %d", len(got), len(orig))
	}
	for i := range orig {
		a, _ := os.ReadFile(orig[i].Path)
		b, _ := os.ReadFile(got[i].Path)
		if !bytes.Equal(a, b) || got[i].Mode.Perm() != 0o600 {
			t.Errorf("%s restored differently (mode %o)", got[i].ID, got[i].Mode.Perm())
		}
	}
	repos, _ := fresh.Repositories()
	if len(repos) == 0 {
		t.Error("no metadata restored")
	}
	// Restoring again changes nothing.
	rr, err = fresh.Restore(data, vault.RestoreOptions{})
	if err != nil || len(rr.Written) != 0 {
		t.Errorf("second restore: %v %+v", err, rr)
	}
}

func TestBackupEncrypted(t *testing.T) {
	r := newBackupRig(t, "", "")
	pass := []byte("correct-horse-battery-staple-archive")
	res, err := r.backup(t, pass)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Encrypted || !strings.HasSuffix(res.Archive, ".tar.gz.age") {
		t.Fatalf("%+v", res)
	}
	data, _ := vault.ReadArchive(filepath.Join(r.a, res.Archive))
	if _, err := r.store.Drill(data, nil); !errors.Is(err, vault.ErrArchiveNeedPassphrase) {
		t.Errorf("drill without passphrase: %v", err)
	}
	wrong := func() ([]byte, error) { return []byte("nope"), nil }
	if _, err := r.store.Drill(data, wrong); !errors.Is(err, vault.ErrArchiveWrongPassphrase) {
		t.Errorf("drill with a wrong passphrase: %v", err)
	}
	right := func() ([]byte, error) { return bytes.Clone(pass), nil }
	drill, err := r.store.Drill(data, right)
	if err != nil || !drill.OK() {
		t.Fatalf("%v %+v", err, drill)
	}
}

// TestDrillFindsChanges: a key changed since the backup, a key the backup
// lacks, and a key only the backup has.
func TestDrillFindsChanges(t *testing.T) {
	r := newBackupRig(t, "", "")
	res, err := r.backup(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := r.store.Keys()
	changed, gone := keys[0], keys[1]
	if err := os.WriteFile(changed.Path, append(must(os.ReadFile(changed.Path)), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(gone.Path); err != nil {
		t.Fatal(err)
	}
	newKey, err := r.store.Generate("targets/new", "", "", func(vault.PassphraseRequest) ([]byte, error) { return []byte("a-new-passphrase-Xq7-plenty-long"), nil })
	if err != nil {
		t.Fatal(err)
	}
	data, _ := vault.ReadArchive(filepath.Join(r.a, res.Archive))
	drill, err := r.store.Drill(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if drill.OK() || len(drill.NotCovered) != 1 || drill.NotCovered[0].ID != newKey.ID {
		t.Errorf("not covered %v", drill.NotCovered)
	}
	states := map[string]vault.DrillState{}
	for _, k := range drill.Keys {
		states[k.ID] = k.State
	}
	if states[changed.ID] != vault.DrillDiffers || states[gone.ID] != vault.DrillOnlyInBackup {
		t.Errorf("states %v", states)
	}
	// Health: the new key has no backup.
	found := false
	for _, f := range health.Check(r.store, time.Now(), "") {
		if f.Check == health.CheckBackup && f.KeyID == newKey.ID {
			found = true
		}
	}
	if !found {
		t.Error("the new key is not reported without a backup")
	}
	// Restore refuses the changed key and writes nothing.
	var ce *vault.ConflictError
	if _, err := r.store.Restore(data, vault.RestoreOptions{}); !errors.As(err, &ce) {
		t.Fatalf("restore over a changed key: %v", err)
	}
	if _, err := os.Stat(gone.Path); err == nil {
		t.Error("a refused restore wrote the missing key")
	}
	if _, err := r.store.Restore(data, vault.RestoreOptions{Conflict: vault.ConflictKeepBoth}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(gone.Path); err != nil {
		t.Error("the missing key was not restored")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestPlanBackupRefuses(t *testing.T) {
	base := t.TempDir()
	a, b, internal := filepath.Join(base, "A"), filepath.Join(base, "B"), filepath.Join(base, "internal")
	for _, d := range []string{a, b, internal, filepath.Join(a, "sub")} {
		os.MkdirAll(d, 0o755)
	}
	r := newBackupRig(t, a, b)
	for _, tc := range []struct {
		name string
		dirs []string
		want error
		text string
	}{
		{"one drive", []string{a}, nil, "give two drives"},
		{"one drive twice", []string{a, filepath.Join(a, "sub")}, vault.ErrSameDevice, "both are on one device"},
		{"the trust directory's disk", []string{a, internal}, vault.ErrTrustDevice, "holds the trust directory"},
		{"not there", []string{a, filepath.Join(base, "nope")}, nil, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.store.PlanBackup(r.drives, tc.dirs)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %v, want %v saying %q", err, tc.want, tc.text)
			}
		})
	}
	ds, err := r.drives.List(r.store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		switch d.Mount {
		case "/":
			if d.Eligible || d.Reason != vault.ReasonTrustDevice {
				t.Errorf("/ is %v (%s)", d.Eligible, d.Reason)
			}
		case a, b:
			if !d.Eligible {
				t.Errorf("%s not eligible: %s", d.Mount, d.Reason)
			}
		}
	}
}

// TestBackupFaults: real loop-mounted drives (skipped, saying why,
// without root). One drive fails; the other's verified copy stays,
// recorded; the error names the failed drive; no partial archive is left.
func TestBackupFaults(t *testing.T) {
	for _, tc := range []struct {
		name        string
		opts        drivetest.LoopOptions
		kind        error
		says        string
		roAfterPlan bool
	}{
		{"full drive", drivetest.LoopOptions{SizeMiB: 1}, vault.ErrDriveFull, "drive full: need", false},
		{"read-only drive", drivetest.LoopOptions{ReadOnly: true}, nil, "read-only", false},
		{"drive turned read-only after it was chosen", drivetest.LoopOptions{}, vault.ErrDriveReadOnly, "drive is read-only", true},
		{"I/O error mid-write", drivetest.LoopOptions{SizeMiB: 32, BackingMiB: 1}, vault.ErrDriveFailed, "could not store the data", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := drivetest.NewLoopDrive(t, drivetest.LoopOptions{})
			bad := drivetest.NewLoopDrive(t, tc.opts)
			r := newBackupRig(t, good.Mount, bad.Mount)
			if !tc.opts.ReadOnly && !tc.roAfterPlan {
				// A 3 MB metadata file: more than the bad drive holds.
				noise := make([]byte, 3<<20)
				rand.Read(noise)
				dir := filepath.Join(r.store.Dir(), "tuf", "big", "metadata")
				os.MkdirAll(dir, 0o700)
				if err := os.WriteFile(filepath.Join(dir, "targets.json"), []byte(base64.StdEncoding.EncodeToString(noise)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			plan, err := r.store.PlanBackup(r.drives, []string{good.Mount, bad.Mount})
			if tc.opts.ReadOnly {
				if err == nil || !strings.Contains(err.Error(), "read-only") || !strings.Contains(err.Error(), filepath.Base(bad.Mount)) {
					t.Fatalf("plan: %v", err)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.roAfterPlan {
				bad.Remount(t, "ro")
			}
			res, err := r.store.Backup(plan, vault.BackupOptions{})
			var be *vault.BackupError
			if !errors.As(err, &be) || !errors.Is(res.Copies[1].Err, tc.kind) {
				t.Fatalf("err = %v", err)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), bad.Mount) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "1 of 2 copies verified") {
				t.Errorf("%q does not name the drive or say %q", err, tc.says)
			}
			if res.Copies[0].Err != nil {
				t.Fatalf("the good drive failed too: %v", res.Copies[0].Err)
			}
			entries, _ := os.ReadDir(bad.Mount)
			for _, e := range entries {
				if e.Name() != "lost+found" {
					t.Errorf("left %s on the failed drive", e.Name())
				}
			}
			rep, err := r.store.VerifyArchive(filepath.Join(good.Mount, res.Archive), r.drives, nil, time.Now())
			if err != nil || !rep.Recorded {
				t.Fatalf("the good copy: %v", err)
			}
			recs, _ := r.store.BackupLedger().BackupRecords()
			if len(recs) != len(res.Keys) {
				t.Errorf("%d records, want one per key", len(recs))
			}
		})
	}
}
