package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// The requirement: killing the process during passwd or generate
// never leaves a partial or missing key. These tests run the built binary on
// a store, SIGKILL it at moments spread over its whole run (hardened
// iterations make each PBKDF2 take a good fraction of a second, so there is
// a wide window), and at the atomic writer's failpoints, and after every kill
// check that each *.key file parses and decrypts and that no key went missing.

const (
	killRuns = 30
	// failpoints are the atomic writer's named points (vault/internal/atomicfile).
	failpointAfterTempWrite = "after-temp-write"
	failpointAfterRename    = "after-rename"
)

// killStore is a store under test and what the test knows about it.
type killStore struct {
	t   *testing.T
	dir string
	// pass holds the passphrase of every key that must be there, by ID.
	pass map[string]string
}

// newKillStore makes a store with two compat-encrypted bystander keys, which
// must come through every kill untouched.
func newKillStore(t *testing.T) *killStore {
	ks := &killStore{t: t, dir: filepath.Join(t.TempDir(), "trust"), pass: map[string]string{}}
	s, err := vault.Open(ks.dir, vault.WithIterations(vault.CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct{ role, gun, pass string }{
		{"targets", "docker.io/team/app", "Bystander-targets-1"},
		{"alice", "", "Bystander-alice-1"},
	} {
		key, err := s.Generate(k.role, k.gun, vault.AlgorithmECDSA, constPass(k.pass))
		if err != nil {
			t.Fatal(err)
		}
		ks.pass[key.ID] = k.pass
	}
	return ks
}

func constPass(p string) vault.PassphraseFunc {
	return func(req vault.PassphraseRequest) ([]byte, error) {
		if req.Attempt > 1 {
			return nil, vault.ErrAborted
		}
		return []byte(p), nil
	}
}

// eitherPass tries a, then b, and records which one worked.
func eitherPass(a, b string, used *string) vault.PassphraseFunc {
	return func(req vault.PassphraseRequest) ([]byte, error) {
		switch req.Attempt {
		case 1:
			*used = a
		case 2:
			*used = b
		default:
			*used = ""
			return nil, vault.ErrAborted
		}
		return []byte(*used), nil
	}
}

// check asserts the store's invariants after a kill: every *.key file below
// private/ is complete, no known key is missing, each decrypts with its
// passphrase (changing, the ID being changed: either of two). It returns the
// passphrase that unlocked changing and the IDs of keys it did not know.
func (ks *killStore) check(what string, changing string, passes [2]string) (current string, unknown []string) {
	t := ks.t
	t.Helper()
	s, err := vault.Open(ks.dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys()
	if err != nil {
		t.Fatalf("%s: list: %v", what, err)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if k.Err != nil {
			t.Fatalf("%s: %s is not a complete key file: %v", what, k.Path, k.Err)
		}
		if k.Layout != vault.LayoutFlat {
			t.Fatalf("%s: unexpected key file %s", what, k.Path)
		}
		seen[k.ID] = true
		if _, known := ks.pass[k.ID]; !known && k.ID != changing {
			unknown = append(unknown, k.ID)
		}
	}
	for id, p := range ks.pass {
		if !seen[id] {
			t.Fatalf("%s: key %s is missing", what, vault.ShortID(id))
		}
		if id == changing {
			continue
		}
		if _, err := s.Unlock(id, constPass(p)); err != nil {
			t.Fatalf("%s: key %s does not decrypt: %v", what, vault.ShortID(id), err)
		}
	}
	if changing != "" {
		if !seen[changing] {
			t.Fatalf("%s: key %s being changed is missing", what, vault.ShortID(changing))
		}
		// The passphrase it had first: most kills land before the rename.
		first, second := passes[0], passes[1]
		if ks.pass[changing] == second {
			first, second = second, first
		}
		if _, err := s.Unlock(changing, eitherPass(first, second, &current)); err != nil {
			t.Fatalf("%s: key %s decrypts with neither the old nor the new passphrase: %v", what, vault.ShortID(changing), err)
		}
		ks.pass[changing] = current
	}
	return current, unknown
}

// temps lists the files in private/ that are not key files (temporary files
// a killed writer left; the next write removes them).
func (ks *killStore) temps() []string {
	s, err := vault.Open(ks.dir)
	if err != nil {
		ks.t.Fatal(err)
	}
	entries, err := os.ReadDir(s.PrivateDir())
	if err != nil {
		ks.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".key") {
			out = append(out, e.Name())
		}
	}
	return out
}

// outcome is how one run ended.
type outcome int

const (
	finished outcome = iota // exited 0 before the kill
	killed                  // died of SIGKILL
)

// runKilled starts bin and kills it after delay (never, if delay < 0). A
// run that fails on its own is a test failure.
func runKilled(t *testing.T, bin string, env []string, delay time.Duration, args ...string) outcome {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if delay >= 0 {
		timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	err := cmd.Wait()
	if err == nil {
		return finished
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return killed
		}
	}
	t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	return 0
}

// delays spreads n kill moments from 0 to 120% of a full run.
func delays(full time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = full * 12 / 10 * time.Duration(i) / time.Duration(n-1)
	}
	return out
}

func TestKillDuringPasswd(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the built binary some 30 times; not in -short mode")
	}
	bin := tools.Trustvault(t)
	ks := newKillStore(t)
	// The key being changed is hardened, so unlocking and re-encrypting each
	// take a PBKDF2 of 1.3 million iterations.
	s, err := vault.Open(ks.dir)
	if err != nil {
		t.Fatal(err)
	}
	passes := [2]string{"Passphrase-A-123-Kq7Zr2Vm9Tx4Lp", "Passphrase-B-456-Kq7Zr2Vm9Tx4Lp"}
	key, err := s.Generate("root", "", vault.AlgorithmECDSA, constPass(passes[0]))
	if err != nil {
		t.Fatal(err)
	}
	id := key.ID
	ks.pass[id] = passes[0]

	passwd := func(delay time.Duration, failpoint string) outcome {
		cur := ks.pass[id]
		next := passes[0]
		if cur == next {
			next = passes[1]
		}
		env := passphraseFreeEnv("NOTARY_ROOT_PASSPHRASE="+cur, "TRUSTVAULT_NEW_PASSPHRASE="+next)
		if failpoint != "" {
			env = append(env, "TRUSTVAULT_FAILPOINT="+failpoint)
		}
		return runKilled(t, bin, env, delay, "--trust-dir", ks.dir, "passwd", vault.ShortID(id))
	}

	// One full run to learn how long passwd takes here.
	start := time.Now()
	if passwd(-1, "") != finished {
		t.Fatal("passwd did not finish")
	}
	full := time.Since(start)
	if got, _ := ks.check("full run", id, passes); got != passes[1] {
		t.Fatalf("after a full passwd the key decrypts with %q, want the new passphrase", got)
	}
	t.Logf("a full passwd takes %v", full)

	changed, kept, done := 0, 0, 0
	for i, d := range delays(full, killRuns) {
		before := ks.pass[id]
		o := passwd(d, "")
		after, unknown := ks.check("kill at "+d.String(), id, passes)
		if len(unknown) > 0 {
			t.Fatalf("kill at %v: passwd made new keys %v", d, unknown)
		}
		switch {
		case o == finished:
			done++
			if after == before {
				t.Fatalf("run %d finished but the passphrase did not change", i)
			}
		case after == before:
			kept++
		default:
			changed++
		}
	}
	t.Logf("%d kills: %d left the old passphrase, %d the new one; %d runs finished first", killRuns, kept, changed, done)
	if kept == 0 {
		t.Errorf("no kill landed before the rename: the kill moments do not cover the run")
	}

	// The failpoints cover the moments around the rename exactly.
	for _, fp := range []struct {
		name       string
		changesKey bool
	}{
		{failpointAfterTempWrite, false},
		{failpointAfterRename, true},
	} {
		before := ks.pass[id]
		if o := passwd(-1, fp.name); o != killed {
			t.Fatalf("failpoint %s did not fire (has it been renamed in vault/internal/atomicfile?)", fp.name)
		}
		after, _ := ks.check("failpoint "+fp.name, id, passes)
		if (after != before) != fp.changesKey {
			t.Errorf("failpoint %s: passphrase changed = %v, want %v", fp.name, after != before, fp.changesKey)
		}
		if fp.name == failpointAfterTempWrite && len(ks.temps()) == 0 {
			t.Errorf("the %s failpoint left no temporary file: did it fire before the write?", fp.name)
		}
	}

	// The next run is not blocked by a stale lock and clears the temporary
	// files the killed runs left.
	if passwd(-1, "") != finished {
		t.Fatal("passwd after the kills did not finish")
	}
	ks.check("after the kills", id, passes)
	if left := ks.temps(); len(left) > 0 {
		t.Errorf("temporary files left after a successful passwd: %v", left)
	}
}

func TestKillDuringGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the built binary some 30 times; not in -short mode")
	}
	bin := tools.Trustvault(t)
	ks := newKillStore(t)
	const pass = "Generated-pass-1-Kq7Zr2Vm9Tx4Lp"
	generate := func(delay time.Duration, failpoint string) outcome {
		env := passphraseFreeEnv("NOTARY_DELEGATION_PASSPHRASE=" + pass)
		if failpoint != "" {
			env = append(env, "TRUSTVAULT_FAILPOINT="+failpoint)
		}
		return runKilled(t, bin, env, delay, "--trust-dir", ks.dir, "generate", "--role", "targets/releases")
	}
	// check also decrypts the key a run may have added, and adds it to the
	// keys that must stay.
	check := func(what string) int {
		_, unknown := ks.check(what, "", [2]string{})
		if len(unknown) > 1 {
			t.Fatalf("%s: one generate made %d keys", what, len(unknown))
		}
		for _, id := range unknown {
			s, err := vault.Open(ks.dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Unlock(id, constPass(pass)); err != nil {
				t.Fatalf("%s: new key %s does not decrypt: %v", what, vault.ShortID(id), err)
			}
			ks.pass[id] = pass
		}
		return len(unknown)
	}

	start := time.Now()
	if generate(-1, "") != finished {
		t.Fatal("generate did not finish")
	}
	full := time.Since(start)
	if check("full run") != 1 {
		t.Fatal("a full generate made no key")
	}
	t.Logf("a full generate takes %v", full)

	none, made := 0, 0
	for _, d := range delays(full, killRuns) {
		o := generate(d, "")
		n := check("kill at " + d.String())
		if o == finished && n != 1 {
			t.Fatalf("kill at %v: generate finished but made no key", d)
		}
		if n == 0 {
			none++
		} else {
			made++
		}
	}
	t.Logf("%d kills: %d left no new key, %d a complete one", killRuns, none, made)
	if none == 0 {
		t.Errorf("no kill landed before the rename: the kill moments do not cover the run")
	}

	for _, fp := range []struct {
		name string
		want int
	}{
		{failpointAfterTempWrite, 0},
		{failpointAfterRename, 1},
	} {
		if o := generate(-1, fp.name); o != killed {
			t.Fatalf("failpoint %s did not fire (has it been renamed in vault/internal/atomicfile?)", fp.name)
		}
		if n := check("failpoint " + fp.name); n != fp.want {
			t.Errorf("failpoint %s: %d new keys, want %d", fp.name, n, fp.want)
		}
	}
	if generate(-1, "") != finished {
		t.Fatal("generate after the kills did not finish")
	}
	check("after the kills")
	if left := ks.temps(); len(left) > 0 {
		t.Errorf("temporary files left after a successful generate: %v", left)
	}
}
