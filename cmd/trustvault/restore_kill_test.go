package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/archive"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// restoreRig is a store whose two keys changed since a backup of them:
// restore --overwrite replaces both.
type restoreRig struct {
	dir, archive string
	// old and new bytes of each key file, by path.
	here, backup map[string][]byte
}

func newRestoreRig(t *testing.T) *restoreRig {
	t.Helper()
	ks := newKillStore(t)
	r := &restoreRig{dir: ks.dir, archive: filepath.Join(t.TempDir(), "keys.tar.gz"), here: map[string][]byte{}, backup: map[string][]byte{}}
	s, err := vault.Open(ks.dir, vault.WithIterations(vault.CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	var files []archive.File
	for _, k := range keys {
		b, err := os.ReadFile(k.Path)
		if err != nil {
			t.Fatal(err)
		}
		r.backup[k.Path] = b
		files = append(files, archive.File{Name: "private/" + filepath.Base(k.Path), Data: b, ModTime: k.ModTime})
		// A new passphrase since the backup: other bytes here.
		if _, err := s.ChangePassphrase(k.ID, constPass(ks.pass[k.ID]), constPass("Changed-pass-1")); err != nil {
			t.Fatal(err)
		}
		if r.here[k.Path], err = os.ReadFile(k.Path); err != nil {
			t.Fatal(err)
		}
	}
	data, _, err := archive.Build(files, archive.BuildOptions{Created: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.archive, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// check: every key is at its path with its old bytes or the backup's,
// and every key replaced has its old bytes in a pre-restore copy.
func (r *restoreRig) check(t *testing.T, what string) (replaced int) {
	t.Helper()
	copies := map[string]bool{}
	filepath.WalkDir(filepath.Join(r.dir, "trustvault"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.Contains(p, "pre-restore-") {
			b, _ := os.ReadFile(p)
			copies[string(b)] = true
		}
		return nil
	})
	for p, old := range r.here {
		b, err := os.ReadFile(p)
		switch {
		case err != nil:
			t.Fatalf("%s: key %s is not at its path: %v", what, p, err)
		case string(b) == string(r.backup[p]):
			replaced++
			if !copies[string(old)] {
				t.Fatalf("%s: %s was replaced but no pre-restore copy holds its old bytes", what, p)
			}
		case string(b) != string(old):
			t.Fatalf("%s: %s holds neither its old bytes nor the backup's", what, p)
		}
	}
	return replaced
}

// TestKillDuringRestoreOverwrite kills restore --overwrite at each of its
// failpoints: every key stays at its path, with old or new bytes.
func TestKillDuringRestoreOverwrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; not in -short mode")
	}
	bin := tools.Trustvault(t)
	for _, fp := range []struct {
		name     string
		replaced int // keys replaced when the first one reaches the point
	}{
		{"restore-after-copy", 0},
		{"restore-after-temp", 0},
		{"restore-after-replace", 1},
	} {
		t.Run(fp.name, func(t *testing.T) {
			r := newRestoreRig(t)
			env := passphraseFreeEnv("TRUSTVAULT_FAILPOINT=" + fp.name)
			if o := runKilled(t, bin, env, -1, "--trust-dir", r.dir, "restore", "--overwrite", r.archive); o != killed {
				t.Fatalf("failpoint %s did not fire", fp.name)
			}
			if n := r.check(t, "killed at "+fp.name); n != fp.replaced {
				t.Errorf("killed at %s: %d keys replaced, want %d", fp.name, n, fp.replaced)
			}
			// The next restore finishes the job.
			time.Sleep(1100 * time.Millisecond) // a new pre-restore-<UTC> stamp
			if o := runKilled(t, bin, passphraseFreeEnv(), -1, "--trust-dir", r.dir, "restore", "--overwrite", r.archive); o != finished {
				t.Fatal("restore after the kill did not finish")
			}
			if n := r.check(t, "after the kill"); n != len(r.here) {
				t.Errorf("after a full restore %d of %d keys are the backup's", n, len(r.here))
			}
		})
	}
}
