package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/passphrase"
	"github.com/trustvault/trustvault/vault/tuf"
)

// hardenStore is a store that writes the hardened count, over dir.
func hardenStore(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// generateCompat writes a notary-style key (2048 iterations) with pass.
func generateCompat(t testing.TB, s *Store, role, gun, pass string) Key {
	t.Helper()
	k, err := s.Generate(role, gun, "", passFunc(pass))
	if err != nil {
		t.Fatal(err)
	}
	if k.Encryption.Iterations != CompatIterations {
		t.Fatalf("generated %+v", k.Encryption)
	}
	return k
}

// unlocks reports whether the key at k.Path decrypts with pass.
func unlocks(t testing.TB, s *Store, k Key, pass string) bool {
	t.Helper()
	k, err := s.keyAt(k.Path)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.unlockFile(k, func(r PassphraseRequest) ([]byte, error) {
		if r.Attempt > 1 {
			return nil, ErrAborted
		}
		return []byte(pass), nil
	})
	return err == nil
}

// legacyKey puts the OpenSSL legacy-PEM test key into the legacy tuf_keys
// layout and returns it as listed.
func legacyKey(t testing.TB, s *Store) Key {
	t.Helper()
	legacy := readTestdata(t, "openssl/ec-legacy-aes256.pem")
	kf, _ := decodeKeyFile(legacy)
	key, err := kf.decrypt([]byte("Legacy-pass-1"))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := tuf.CanonicalID(key.Public())
	path := filepath.Join(s.PrivateDir(), "tuf_keys", "docker.io", "acme", "app", id+"_targets.key")
	writeFile(t, path, legacy)
	k, err := s.keyAt(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestReencryptKeepsPassphrase(t *testing.T) {
	t.Parallel()
	compat := newStore(t)
	k := generateCompat(t, compat, "targets", "docker.io/acme/app", "Targets-pass-1")
	s := hardenStore(t, compat.Dir())
	got, err := s.Reencrypt(k, passFunc("Targets-pass-1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != k.Path || got.Encryption.Scheme != SchemePBES2 || got.Encryption.Iterations != HardenedIterations || got.Role != "targets" || got.GUN != "docker.io/acme/app" {
		t.Errorf("after Reencrypt: %+v", got)
	}
	if !unlocks(t, s, got, "Targets-pass-1") {
		t.Error("the key no longer opens with its passphrase")
	}
}

func TestReencryptLegacyInPlace(t *testing.T) {
	t.Parallel()
	s := hardenStore(t, filepath.Join(t.TempDir(), "trust"))
	k := legacyKey(t, s)
	if k.Encryption.Scheme != SchemeLegacyPEM || !NeedsHardening(k) {
		t.Fatalf("legacy key listed as %+v", k)
	}
	got, err := s.Reencrypt(k, passFunc("Legacy-pass-1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != k.Path || got.Layout != LayoutLegacyTUF || got.Encryption.Scheme != SchemePBES2 || got.Encryption.Iterations != HardenedIterations {
		t.Errorf("after Reencrypt: %+v", got)
	}
	data, _ := os.ReadFile(k.Path)
	if !bytes.Contains(data, []byte("gun: docker.io/acme/app\nrole: targets\n")) {
		t.Errorf("rewritten legacy file lacks headers:\n%s", data)
	}
	if !unlocks(t, s, got, "Legacy-pass-1") {
		t.Error("the key no longer opens with its passphrase")
	}
}

func TestReencryptNewPassphrase(t *testing.T) {
	t.Parallel()
	compat := newStore(t)
	k := generateCompat(t, compat, "root", "", "Old-root-pass-1")
	s := hardenStore(t, compat.Dir())
	newPass := &fixedPass{pass: "New-root-pass-2"}
	var newReq PassphraseRequest
	got, err := s.Reencrypt(k, passFunc("Old-root-pass-1"), func(r PassphraseRequest) ([]byte, error) {
		newReq = r
		return newPass.get(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !newReq.New || newReq.KeyID != k.ID || newReq.Role != "root" || newPass.calls != 1 {
		t.Errorf("new passphrase request %+v, %d calls", newReq, newPass.calls)
	}
	if !unlocks(t, s, got, "New-root-pass-2") || unlocks(t, s, got, "Old-root-pass-1") {
		t.Error("the key does not open with the new passphrase only")
	}
}

// Every refusal leaves the trust directory as it was.
func TestReencryptChangesNothingOnFailure(t *testing.T) {
	t.Parallel()
	compat := newStore(t)
	k := generateCompat(t, compat, "targets", "docker.io/acme/app", "Targets-pass-1")
	plainPath := filepath.Join(compat.PrivateDir(), strings.Repeat("ab", 32)+".key")
	writeFile(t, plainPath, readTestdata(t, "openssl/ec-plain.pem"))
	s := hardenStore(t, compat.Dir())
	plain, _ := s.keyAt(plainPath)
	for _, tc := range []struct {
		name         string
		key          Key
		pass, newP   PassphraseFunc
		want         string
		wantSentinel error
	}{
		{"wrong passphrase", k, passFunc("wrong"), nil, "wrong passphrase; nothing was changed", ErrWrongPassphrase},
		{"cancelled", k, func(PassphraseRequest) ([]byte, error) { return nil, ErrAborted }, nil, "cancelled; nothing was changed", ErrAborted},
		{"new passphrase cancelled", k, passFunc("Targets-pass-1"), func(PassphraseRequest) ([]byte, error) { return nil, ErrAborted }, "new passphrase for targets key", ErrAborted},
		{"unencrypted without a new passphrase", plain, passFunc("x"), nil, "is not encrypted: it needs a new passphrase; nothing was changed", nil},
		{"not in the store", Key{Path: "/etc/passwd"}, passFunc("x"), nil, "is not a key file in", nil},
		{"changed meanwhile", k, func(PassphraseRequest) ([]byte, error) {
			data, _ := os.ReadFile(k.Path)
			writeFile(t, k.Path, append(data, '\n'))
			return []byte("Targets-pass-1"), nil
		}, nil, "changed on disk while the passphrase was asked for", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, s.Dir())
			_, err := s.Reencrypt(tc.key, tc.pass, tc.newP)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Reencrypt = %v, want %q", err, tc.want)
			}
			if tc.wantSentinel != nil && !errors.Is(err, tc.wantSentinel) {
				t.Errorf("error %v is not %v", err, tc.wantSentinel)
			}
			after := snapshot(t, s.Dir())
			if tc.name == "changed meanwhile" {
				// Only the test's own change.
				before[k.Path] += "\n"
			}
			for p, b := range before {
				if after[p] != b && !strings.HasSuffix(p, lockFile) {
					t.Errorf("%s changed", p)
				}
			}
		})
	}
}

func TestHardenRefusesCompatStore(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	if _, err := s.Harden(HardenOptions{Pass: passFunc("x")}); err == nil || !strings.Contains(err.Error(), "fewer than the hardened") {
		t.Fatalf("Harden on a compat store = %v", err)
	}
}

// harden runs Harden and records the callbacks.
type hardenRun struct {
	starts []string
	dones  []HardenStatus
	asked  []PassphraseRequest
}

func (h *hardenRun) opts(pass func(PassphraseRequest) ([]byte, error)) HardenOptions {
	return HardenOptions{
		Pass: func(r PassphraseRequest) ([]byte, error) {
			h.asked = append(h.asked, r)
			return pass(r)
		},
		Start: func(i, total int, k Key) { h.starts = append(h.starts, k.Role) },
		Done:  func(i, total int, r HardenResult) { h.dones = append(h.dones, r.Status) },
	}
}

// byRole answers with a passphrase per kind of key, every time it is
// asked; for a kind it has none for, the person cancels.
func byRole(m map[string]string) func(PassphraseRequest) ([]byte, error) {
	return func(r PassphraseRequest) ([]byte, error) {
		p, ok := m[keyrole.KindOf(r.Role).String()]
		if !ok {
			return nil, ErrAborted
		}
		return []byte(p), nil
	}
}

func TestHardenAsksOncePerRole(t *testing.T) {
	t.Parallel()
	compat := newStore(t)
	var keys []Key
	for _, spec := range []struct{ role, gun, pass string }{
		{"root", "", "Root-pass-1"},
		{"root", "", "Root-pass-1"},
		{"targets", "docker.io/acme/a", "Repo-pass-1"},
		{"targets", "docker.io/acme/b", "Repo-pass-1"},
		{"targets", "docker.io/acme/c", "Other-pass-1"}, // not shared: asked for
		{"targets/releases", "", "Deleg-pass-1"},
		{"alice", "", "Deleg-pass-1"}, // same kind, another role: the kind's passphrase is tried
	} {
		keys = append(keys, generateCompat(t, compat, spec.role, spec.gun, spec.pass))
	}
	s := hardenStore(t, compat.Dir())
	var h hardenRun
	asked := map[string]int{}
	report, err := s.Harden(h.opts(func(r PassphraseRequest) ([]byte, error) {
		asked[r.KeyID]++
		switch {
		case r.Role == "root":
			return []byte("Root-pass-1"), nil
		case r.Role == "targets" && asked[r.KeyID] == 1 && r.KeyID != keys[4].ID:
			return []byte("Repo-pass-1"), nil
		case r.Role == "targets":
			return []byte("Other-pass-1"), nil
		default:
			return []byte("Deleg-pass-1"), nil
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if report.Count(Hardened) != 7 || report.Cancelled {
		t.Fatalf("report: %+v", report)
	}
	// root, targets (first), targets c (cached Repo fails, then asked),
	// targets/releases: four questions for seven keys.
	if len(h.asked) != 4 {
		t.Errorf("asked %d times, want 4: %+v", len(h.asked), h.asked)
	}
	if strings.Join(h.starts, ",") != "root,root,targets,targets,targets,alice,targets/releases" {
		t.Errorf("order: %v", h.starts)
	}
	for _, k := range keys {
		listed, _ := s.keyAt(k.Path)
		if listed.Encryption.Iterations != HardenedIterations {
			t.Errorf("key %s: %+v", k.ShortID(), listed.Encryption)
		}
	}
	if !unlocks(t, s, keys[4], "Other-pass-1") || !unlocks(t, s, keys[6], "Deleg-pass-1") {
		t.Error("keys do not open with their own passphrases")
	}

	// Again: nothing to do, nothing asked, nothing written.
	before := snapshot(t, s.PrivateDir())
	var again hardenRun
	report, err = s.Harden(again.opts(byRole(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if report.Count(AlreadyHardened) != 7 || len(again.asked) != 0 || len(again.starts) != 0 {
		t.Errorf("second run: %+v, asked %d", report, len(again.asked))
	}
	if after := snapshot(t, s.PrivateDir()); len(after) != len(before) {
		t.Errorf("second run changed files")
	} else {
		for p := range before {
			if after[p] != before[p] {
				t.Errorf("second run rewrote %s", p)
			}
		}
	}
}

// Failures are reported and do not stop the others; unreadable and stray
// files are reported, not skipped.
func TestHardenReportsFailures(t *testing.T) {
	t.Parallel()
	compat := newStore(t)
	root := generateCompat(t, compat, "root", "", "Root-pass-1")
	tgt := generateCompat(t, compat, "targets", "docker.io/acme/a", "Repo-pass-1")
	writeFile(t, filepath.Join(compat.PrivateDir(), strings.Repeat("cd", 32)+".key"), []byte("not a key"))
	writeFile(t, filepath.Join(compat.PrivateDir(), "old", tgt.ID+".key"), mustRead(t, tgt.Path))
	s := hardenStore(t, compat.Dir())
	legacy := legacyKey(t, s)
	var h hardenRun
	report, err := s.Harden(h.opts(byRole(map[string]string{"root": "wrong", "targets": "Repo-pass-1"})))
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]HardenResult{}
	for _, r := range report.Results {
		status[r.Key.Path] = r
	}
	if r := status[root.Path]; r.Status != HardenFailed || !errors.Is(r.Err, ErrWrongPassphrase) {
		t.Errorf("root: %v %v", r.Status, r.Err)
	}
	if r := status[tgt.Path]; r.Status != Hardened {
		t.Errorf("targets: %v %v", r.Status, r.Err)
	}
	// The legacy key's passphrase is not the targets one: asked, refused.
	if r := status[legacy.Path]; r.Status != HardenFailed {
		t.Errorf("legacy: %v %v", r.Status, r.Err)
	}
	var garbage, stray int
	for _, r := range report.Results {
		if r.Status == HardenFailed && r.Err != nil && strings.Contains(r.Err.Error(), "no PEM block") {
			garbage++
		}
		if r.Status == HardenFailed && r.Key.Layout == LayoutStray {
			stray++
		}
	}
	if garbage != 1 || stray != 1 || len(report.Results) != 5 {
		t.Errorf("results: %+v", report.Results)
	}
	if report.Count(Hardened) != 1 || report.Count(HardenFailed) != 4 {
		t.Errorf("counts: hardened %d failed %d", report.Count(Hardened), report.Count(HardenFailed))
	}
	if !unlocks(t, s, root, "Root-pass-1") {
		t.Error("the failed root key changed")
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A cancelled prompt stops Harden: the keys before are hardened, the rest
// untouched and reported as cancelled.
func TestHardenCancel(t *testing.T) {
	t.Parallel()
	compat := newStore(t)
	root := generateCompat(t, compat, "root", "", "Root-pass-1")
	a := generateCompat(t, compat, "targets", "docker.io/acme/a", "Repo-pass-1")
	b := generateCompat(t, compat, "targets/releases", "", "Deleg-pass-1")
	s := hardenStore(t, compat.Dir())
	before := snapshot(t, s.PrivateDir())
	var h hardenRun
	report, err := s.Harden(h.opts(byRole(map[string]string{"root": "Root-pass-1"})))
	if err != nil {
		t.Fatal(err)
	}
	if !report.Cancelled || report.Count(Hardened) != 1 || report.Count(HardenCancelled) != 2 {
		t.Fatalf("report: %+v", report)
	}
	after := snapshot(t, s.PrivateDir())
	if after[root.Path] == before[root.Path] || after[a.Path] != before[a.Path] || after[b.Path] != before[b.Path] {
		t.Error("files: want root rewritten, the others untouched")
	}
	// Only the key at which the person cancelled was started.
	if len(h.starts) != 2 || len(h.dones) != 2 || h.dones[1] != HardenCancelled {
		t.Errorf("callbacks: starts %v dones %v", h.starts, h.dones)
	}
}

// With NewPass every key gets the new passphrase; an unencrypted key is
// hardened with a new passphrase from Pass.
func TestHardenNewPassphraseAndUnencrypted(t *testing.T) {
	t.Parallel()
	compat := newStore(t)
	k := generateCompat(t, compat, "targets", "docker.io/acme/a", "Repo-pass-1")
	s := hardenStore(t, compat.Dir())
	report, err := s.Harden(HardenOptions{Pass: passFunc("Repo-pass-1"), NewPass: passFunc("Fresh-pass-2")})
	if err != nil || report.Count(Hardened) != 1 {
		t.Fatalf("Harden: %+v, %v", report, err)
	}
	if !unlocks(t, s, k, "Fresh-pass-2") {
		t.Error("the key does not open with the new passphrase")
	}

	plainPath := filepath.Join(s.PrivateDir(), "plain.key")
	writeFile(t, plainPath, readTestdata(t, "openssl/ec-plain.pem"))
	plain, _ := s.keyAt(plainPath) // listed with an error: the name is no ID
	if plain.Err == nil {
		// Name it by its ID so it is a loadable key.
		t.Fatal("expected plain.key to be unlisted")
	}
	os.Remove(plainPath)
	kf, _ := decodeKeyFile(readTestdata(t, "openssl/ec-plain.pem"))
	key, _ := kf.decrypt(nil)
	id, _ := tuf.CanonicalID(key.Public())
	plainPath = filepath.Join(s.PrivateDir(), id+".key")
	writeFile(t, plainPath, readTestdata(t, "openssl/ec-plain.pem"))
	var newReqs []PassphraseRequest
	report, err = s.Harden(HardenOptions{Pass: func(r PassphraseRequest) ([]byte, error) {
		newReqs = append(newReqs, r)
		return []byte("Plain-now-pass-3"), nil
	}})
	if err != nil || report.Count(Hardened) != 1 || report.Count(AlreadyHardened) != 1 {
		t.Fatalf("Harden: %+v, %v", report, err)
	}
	if len(newReqs) != 1 || !newReqs[0].New {
		t.Errorf("requests: %+v", newReqs)
	}
	listed, _ := s.keyAt(plainPath)
	if listed.Encryption.Iterations != HardenedIterations || !unlocks(t, s, listed, "Plain-now-pass-3") {
		t.Errorf("unencrypted key after Harden: %+v", listed.Encryption)
	}
}

// With a policy, a kept weak passphrase is reported.
func TestHardenReportsWeakPassphrase(t *testing.T) {
	t.Parallel()
	compat := newStore(t)
	generateCompat(t, compat, "root", "", "password1")
	generateCompat(t, compat, "targets", "docker.io/acme/a", "Fq9-Zt4m-Lw2x-Rk7p-Hy3c")
	s := hardenStore(t, compat.Dir())
	policy := passphrase.DefaultPolicy()
	report, err := s.Harden(HardenOptions{Pass: byRole(map[string]string{"root": "password1", "targets": "Fq9-Zt4m-Lw2x-Rk7p-Hy3c"}), Policy: &policy})
	if err != nil || report.Count(Hardened) != 2 {
		t.Fatalf("Harden: %+v, %v", report, err)
	}
	for _, r := range report.Results {
		switch r.Key.Role {
		case "root":
			if r.Weak == nil || r.Weak.Min != passphrase.MinBitsRoot {
				t.Errorf("root: Weak = %v", r.Weak)
			}
		default:
			if r.Weak != nil {
				t.Errorf("targets: Weak = %v", r.Weak)
			}
		}
	}
}
