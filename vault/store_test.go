package vault

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault/internal/atomicfile"
	"github.com/trustvault/trustvault/vault/tuf"
)

// fixedPass answers every request with one passphrase and counts requests.
type fixedPass struct {
	pass  string
	calls int
}

func (f *fixedPass) get(PassphraseRequest) ([]byte, error) {
	f.calls++
	return []byte(f.pass), nil
}

func passFunc(p string) PassphraseFunc { return (&fixedPass{pass: p}).get }

// newStore opens a store in a fresh directory with a cheap iteration count.
func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "trust"), WithIterations(CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// snapshot records every file under dir with its content.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}

func TestOpenChangesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "trust")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys()
	if err != nil || len(keys) != 0 {
		t.Fatalf("missing trust dir: keys %v, err %v; want empty", keys, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open or Keys created %s", dir)
	}
}

func TestResolveDir(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", "/cfg")
	t.Setenv("HOME", "/home/u")
	for _, tc := range []struct{ flag, env, want string }{
		{"/x/trust", "/cfg", "/x/trust"},
		{"", "/cfg", "/cfg/trust"},
		{"", "", "/home/u/.docker/trust"},
	} {
		t.Setenv("DOCKER_CONFIG", tc.env)
		got, err := ResolveDir(tc.flag)
		if err != nil || got != tc.want {
			t.Errorf("ResolveDir(%q) with DOCKER_CONFIG=%q = %q, %v; want %q", tc.flag, tc.env, got, err, tc.want)
		}
	}
}

// Flat and legacy layouts are listed in place with role, GUN, encryption and
// mode; bad files are listed with a reason and do not stop the rest.
func TestKeysLayoutsAndBadFiles(t *testing.T) {
	s := newStore(t)
	priv := s.PrivateDir()
	vector := readTestdata(t, dockerVectorID+".key")
	legacy := readTestdata(t, "openssl/ec-legacy-aes256.pem")
	legacyID := strings.Repeat("a", 64)
	writeFile(t, filepath.Join(priv, dockerVectorID+".key"), vector)
	writeFile(t, filepath.Join(priv, "tuf_keys", "docker.io", "acme", "app", legacyID+"_targets.key"), legacy)
	writeFile(t, filepath.Join(priv, "root_keys", strings.Repeat("b", 64)+"_root.key"), legacy)
	writeFile(t, filepath.Join(priv, strings.Repeat("c", 64)+".key"), vector[:150])      // truncated
	writeFile(t, filepath.Join(priv, strings.Repeat("d", 64)+".key"), []byte("hello\n")) // foreign
	writeFile(t, filepath.Join(priv, "not-an-id.key"), vector)
	writeFile(t, filepath.Join(priv, "notes.txt"), []byte("ignored"))
	writeFile(t, filepath.Join(priv, atomicfile.TempPrefix+"x.key-123"), []byte("partial"))
	if err := os.Symlink(filepath.Join(priv, dockerVectorID+".key"), filepath.Join(priv, strings.Repeat("e", 64)+".key")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s.Dir())

	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Key{}
	for _, k := range keys {
		byName[filepath.Base(k.Path)] = k
	}
	if len(keys) != 6 {
		t.Errorf("listed %d keys, want 6 (symlink, temp file and .txt skipped): %v", len(keys), keys)
	}
	docker := byName[dockerVectorID+".key"]
	if docker.Err != nil || docker.Role != "alice" || docker.GUN != "" || docker.Layout != LayoutFlat ||
		docker.Encryption.Iterations != 2048 || docker.Mode.Perm() != 0o600 || docker.Size != int64(len(vector)) {
		t.Errorf("docker key = %+v", docker)
	}
	lt := byName[legacyID+"_targets.key"]
	if lt.Err != nil || lt.ID != legacyID || lt.Role != "targets" || lt.GUN != "docker.io/acme/app" ||
		lt.Layout != LayoutLegacyTUF || lt.Encryption.Scheme != SchemeLegacyPEM || lt.Algorithm != AlgorithmECDSA {
		t.Errorf("legacy tuf key = %+v", lt)
	}
	if lr := byName[strings.Repeat("b", 64)+"_root.key"]; lr.Err != nil || lr.Role != "root" || lr.Layout != LayoutLegacyRoot {
		t.Errorf("legacy root key = %+v", lr)
	}
	for name, want := range map[string]string{
		strings.Repeat("c", 64) + ".key": "no PEM block",
		strings.Repeat("d", 64) + ".key": "no PEM block",
		"not-an-id.key":                  "not a key ID",
	} {
		if k := byName[name]; k.Err == nil || !strings.Contains(k.Err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", name, k.Err, want)
		}
	}
	// Everything else still works with bad files around.
	if _, err := s.Unlock(dockerVectorID, passFunc(dockerVectorPass)); err != nil {
		t.Errorf("unlock beside bad files: %v", err)
	}
	if after := snapshot(t, s.Dir()); len(after) != len(before) {
		t.Errorf("listing changed the directory: %d files before, %d after", len(before), len(after))
	}
}

func TestKeyPrefix(t *testing.T) {
	s := newStore(t)
	writeFile(t, filepath.Join(s.PrivateDir(), dockerVectorID+".key"), readTestdata(t, dockerVectorID+".key"))
	for _, tc := range []struct {
		id, want string
	}{
		{"3cc0f1a", ""},
		{dockerVectorID, ""},
		{"3cc0f", "not a key ID"},
		{"zzzzzzzz", "not a key ID"},
		{"0000000", "key not found"},
	} {
		_, err := s.Key(tc.id)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Key(%q) err = %v, want %q", tc.id, err, tc.want)
		}
	}
}

func TestGenerateWritesNotaryFile(t *testing.T) {
	for _, tc := range []struct {
		name, role, gun, alg, wantGUN string
	}{
		{"root drops gun", "root", "docker.io/acme/app", AlgorithmECDSA, ""},
		{"targets keeps gun", "targets", "docker.io/acme/app", AlgorithmECDSA, "docker.io/acme/app"},
		{"delegation drops gun", "targets/releases", "docker.io/acme/app", AlgorithmECDSA, ""},
		{"snapshot ed25519", "snapshot", "docker.io/acme/app", AlgorithmED25519, "docker.io/acme/app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			k, err := s.Generate(tc.role, tc.gun, tc.alg, passFunc("correct horse"))
			if err != nil {
				t.Fatal(err)
			}
			if k.Role != tc.role || k.GUN != tc.wantGUN || k.Err != nil || k.Mode.Perm() != 0o600 {
				t.Errorf("key = %+v", k)
			}
			if filepath.Base(k.Path) != k.ID+".key" {
				t.Errorf("path %s is not <id>.key", k.Path)
			}
			fi, _ := os.Stat(s.PrivateDir())
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("private/ mode = %v, want 0700", fi.Mode().Perm())
			}
			pk, err := s.Unlock(k.ID, passFunc("correct horse"))
			if err != nil || pk.Algorithm != tc.alg {
				t.Errorf("unlock: %v, %+v", err, pk)
			}
		})
	}
}

func TestGenerateRefuses(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct{ role, gun, alg, want string }{
		{"targets", "", "", "give its GUN"},
		{"timestamp", "g", "", "held by the notary server"},
		{"Bad Name", "", "", "not a valid delegation"},
		{"alice", "", "rsa", "choose ecdsa or ed25519"},
	} {
		if _, err := s.Generate(tc.role, tc.gun, tc.alg, passFunc("x")); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Generate(%q, %q, %q) err = %v, want %q", tc.role, tc.gun, tc.alg, err, tc.want)
		}
	}
	if _, err := s.Generate("alice", "", "", passFunc("")); err == nil || !strings.Contains(err.Error(), "without a passphrase") {
		t.Errorf("empty passphrase: err = %v", err)
	}
	if _, err := s.Generate("alice", "", "", func(PassphraseRequest) ([]byte, error) { return nil, ErrAborted }); !errors.Is(err, ErrAborted) {
		t.Errorf("cancelled: err = %v", err)
	}
	keys, _ := s.Keys()
	if len(keys) != 0 {
		t.Errorf("refused generations wrote %d keys", len(keys))
	}
}

func TestChangePassphrase(t *testing.T) {
	s := newStore(t)
	writeFile(t, filepath.Join(s.PrivateDir(), dockerVectorID+".key"), readTestdata(t, dockerVectorID+".key"))
	before := snapshot(t, s.PrivateDir())

	// Wrong old passphrase: asked again until the callback gives up; nothing changes.
	wrong := &fixedPass{pass: "nope"}
	gaveUp := func(r PassphraseRequest) ([]byte, error) {
		if r.Attempt > 3 {
			return nil, ErrAborted
		}
		return wrong.get(r)
	}
	if _, err := s.ChangePassphrase(dockerVectorID, gaveUp, passFunc("new-pass")); !errors.Is(err, ErrAborted) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("wrong old passphrase: err = %v", err)
	}
	if wrong.calls != 3 {
		t.Errorf("asked %d times, want 3", wrong.calls)
	}
	if after := snapshot(t, s.PrivateDir()); after[filepath.Join(s.PrivateDir(), dockerVectorID+".key")] != before[filepath.Join(s.PrivateDir(), dockerVectorID+".key")] {
		t.Error("the key file changed after a wrong passphrase")
	}

	// Cancelled new passphrase: nothing changes.
	if _, err := s.ChangePassphrase(dockerVectorID, passFunc(dockerVectorPass), func(PassphraseRequest) ([]byte, error) { return nil, ErrAborted }); !errors.Is(err, ErrAborted) {
		t.Errorf("cancelled: err = %v", err)
	}

	k, err := s.ChangePassphrase(dockerVectorID, passFunc(dockerVectorPass), passFunc("new-pass"))
	if err != nil {
		t.Fatal(err)
	}
	if k.Role != "alice" || k.Encryption.Iterations != CompatIterations || k.ID != dockerVectorID {
		t.Errorf("after passwd: %+v", k)
	}
	if _, err := s.Unlock(dockerVectorID, func(r PassphraseRequest) ([]byte, error) {
		if r.Attempt > 1 {
			return nil, ErrAborted
		}
		return []byte(dockerVectorPass), nil
	}); err == nil {
		t.Error("old passphrase still opens the key")
	}
	if _, err := s.Unlock(dockerVectorID, passFunc("new-pass")); err != nil {
		t.Errorf("new passphrase: %v", err)
	}
	entries, _ := os.ReadDir(s.PrivateDir())
	if len(entries) != 1 {
		t.Errorf("private/ holds %d entries after passwd, want 1", len(entries))
	}
}

// A legacy key is re-encrypted where it is, keeping the path notary's
// migration reads role and GUN from.
func TestChangePassphraseLegacyInPlace(t *testing.T) {
	s := newStore(t)
	legacyPath := filepath.Join(s.PrivateDir(), "tuf_keys", "docker.io", "acme", "app", "ID_targets.key")
	legacy := readTestdata(t, "openssl/ec-legacy-aes256.pem")
	kf, _ := decodeKeyFile(legacy)
	key, err := kf.decrypt([]byte("Legacy-pass-1"))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := tuf.CanonicalID(key.Public())
	legacyPath = strings.Replace(legacyPath, "ID", id, 1)
	writeFile(t, legacyPath, legacy)
	k, err := s.ChangePassphrase(id[:8], passFunc("Legacy-pass-1"), passFunc("hardened"))
	if err != nil {
		t.Fatal(err)
	}
	if k.Path != legacyPath || k.Encryption.Scheme != SchemePBES2 || k.Role != "targets" || k.GUN != "docker.io/acme/app" {
		t.Errorf("after passwd: %+v", k)
	}
	data, _ := os.ReadFile(legacyPath)
	if !bytes.Contains(data, []byte("gun: docker.io/acme/app\nrole: targets\n")) {
		t.Errorf("rewritten legacy file lacks headers:\n%s", data)
	}
}

func TestImportFormats(t *testing.T) {
	for _, tc := range []struct {
		name, file, pass, role, gun string
		wantRole, wantGUN           string
	}{
		{"encrypted notary without path", dockerVectorID + ".key", dockerVectorPass, "", "", "alice", ""},
		{"legacy pem", "openssl/ec-legacy-aes256.pem", "Legacy-pass-1", "targets", "docker.io/x/y", "targets", "docker.io/x/y"},
		{"openssl sha256 prf", "openssl/ec-pkcs8-sha256.pem", "Openssl-pass-1", "", "", "delegation", ""},
		{"plain sec1", "openssl/ec-plain.pem", "", "root", "", "root", ""},
		{"plain rsa", "openssl/rsa-pkcs1.pem", "", "targets/ci", "", "targets/ci", ""},
		{"rfc8410 ed25519", "openssl/ed25519-rfc8410.pem", "", "bob", "", "bob", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			var asked []PassphraseRequest
			pass := func(r PassphraseRequest) ([]byte, error) {
				asked = append(asked, r)
				if r.New {
					return []byte("fresh-pass"), nil
				}
				return []byte(tc.pass), nil
			}
			got, err := s.Import(readTestdata(t, tc.file), tc.file, ImportOptions{Role: tc.role, GUN: tc.gun}, pass)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Existing {
				t.Fatalf("imported %+v", got)
			}
			k := got[0].Key
			if k.Role != tc.wantRole || k.GUN != tc.wantGUN || k.Encryption.Scheme != SchemePBES2 || k.Encryption.Iterations != CompatIterations {
				t.Errorf("imported key = %+v", k)
			}
			// An encrypted input keeps its passphrase; a plain one gets the new one.
			want := tc.pass
			if want == "" {
				want = "fresh-pass"
			}
			if _, err := s.Unlock(k.ID, passFunc(want)); err != nil {
				t.Errorf("unlock with %q: %v", want, err)
			}
			// Importing again reports the key as already there.
			again, err := s.Import(readTestdata(t, tc.file), tc.file, ImportOptions{Role: tc.role, GUN: tc.gun}, pass)
			if err != nil || len(again) != 1 || !again[0].Existing {
				t.Errorf("re-import: %+v, %v", again, err)
			}
		})
	}
}

func TestImportRefusesAndWritesNothing(t *testing.T) {
	good := readTestdata(t, dockerVectorID+".key")
	for _, tc := range []struct {
		name, data, want string
	}{
		{"no key", string(readTestdata(t, "alice.pub")), "no private key found"},
		{"targets without gun", "-----BEGIN EC PRIVATE KEY-----\nrole: targets\n\n" + strings.SplitN(string(readTestdata(t, "openssl/ec-plain.pem")), "\n", 2)[1], "needs a repository"},
		{"path header lies", strings.Replace(string(good), "role: alice\n", "path: "+strings.Repeat("0", 64)+"\nrole: alice\n", 1), "path header names key 0000000"},
		{"second block bad", string(good) + "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "block 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			_, err := s.Import([]byte(tc.data), "in.pem", ImportOptions{}, passFunc(dockerVectorPass))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if keys, _ := s.Keys(); len(keys) != 0 {
				t.Errorf("%d keys written", len(keys))
			}
		})
	}
}

// notary-style export bundles round-trip: blocks unchanged with a path header.
func TestExportPrivateRoundTrip(t *testing.T) {
	src := newStore(t)
	writeFile(t, filepath.Join(src.PrivateDir(), dockerVectorID+".key"), readTestdata(t, dockerVectorID+".key"))
	k, err := src.Generate("targets", "docker.io/acme/app", "", passFunc("targets-pass"))
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := src.ExportPrivate([]string{dockerVectorID, k.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(bundle, []byte("path: "+dockerVectorID+"\nrole: alice\n")) {
		t.Errorf("bundle lacks path header:\n%s", bundle)
	}
	orig, _ := pem.Decode(readTestdata(t, dockerVectorID+".key"))
	exported, _ := pem.Decode(bundle)
	if !bytes.Equal(orig.Bytes, exported.Bytes) {
		t.Error("export changed the encrypted key")
	}
	dst := newStore(t)
	got, err := dst.Import(bundle, "bundle.pem", ImportOptions{}, func(r PassphraseRequest) ([]byte, error) {
		if r.Role == "alice" {
			return []byte(dockerVectorPass), nil
		}
		return []byte("targets-pass"), nil
	})
	if err != nil || len(got) != 2 {
		t.Fatalf("import bundle: %v %+v", err, got)
	}
	if got[1].Key.GUN != "docker.io/acme/app" || got[1].Key.Role != "targets" {
		t.Errorf("targets key after round trip: %+v", got[1].Key)
	}
}

func TestExportPublic(t *testing.T) {
	s := newStore(t)
	writeFile(t, filepath.Join(s.PrivateDir(), dockerVectorID+".key"), readTestdata(t, dockerVectorID+".key"))
	out, err := s.ExportPublic("3cc0f1a", passFunc(dockerVectorPass))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(readTestdata(t, "alice.pub")) {
		t.Errorf("public key export differs from docker's alice.pub:\n%s", out)
	}
}

func TestWriteLockExcludesSecondWriter(t *testing.T) {
	s := newStore(t)
	if err := atomicfile.MkdirAll(filepath.Join(s.Dir(), recordsDir)); err != nil {
		t.Fatal(err)
	}
	held, err := atomicfile.Acquire(filepath.Join(s.Dir(), recordsDir, lockFile), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	start := time.Now()
	_, err = s.AddKey(k, "alice", "", passFunc("x"))
	if !errors.Is(err, ErrLocked) {
		t.Errorf("AddKey under a held lock: err = %v, want ErrLocked", err)
	}
	if time.Since(start) < lockWait {
		t.Errorf("gave up after %v, want to wait %v", time.Since(start), lockWait)
	}
	held.Unlock()
	if _, err := s.AddKey(k, "alice", "", passFunc("x")); err != nil {
		t.Errorf("AddKey after release: %v", err)
	}
}

func TestStaleTempFilesRemovedUnderLock(t *testing.T) {
	s := newStore(t)
	stale := filepath.Join(s.PrivateDir(), atomicfile.TempPrefix+"abc.key-0011")
	writeFile(t, stale, []byte("half a key"))
	if _, err := s.Generate("alice", "", "", passFunc("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Error("stale temporary file left after a write")
	}
}

func BenchmarkUnlockHardened(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "trust"))
	if err != nil {
		b.Fatal(err)
	}
	k, err := s.Generate("alice", "", "", passFunc("bench-pass"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Unlock(k.ID, passFunc("bench-pass")); err != nil {
			b.Fatal(err)
		}
	}
}

// store10k is a store of 10,000 copies of one real key file under made-up
// IDs, for the listing benchmarks.
func store10k(b *testing.B) *Store {
	s := newStore(b)
	data := readTestdata(b, dockerVectorID+".key")
	for i := range 10000 {
		id := tuf.KeyID("ecdsa", []byte{byte(i), byte(i >> 8)})
		writeFile(b, filepath.Join(s.PrivateDir(), id+".key"), data)
	}
	return s
}

func BenchmarkKeys10k(b *testing.B) {
	s := store10k(b)
	b.ResetTimer()
	for b.Loop() {
		keys, err := s.Keys()
		if err != nil || len(keys) != 10000 {
			b.Fatal(err, len(keys))
		}
	}
}

func TestGenerateRefusesEd25519WhereNotaryCannotUseIt(t *testing.T) {
	s := newStore(t)
	for _, role := range []string{"root", "targets/releases", "alice"} {
		_, err := s.Generate(role, "", AlgorithmED25519, passFunc("correct horse"))
		if !errors.Is(err, ErrAlgorithmUnusable) || !strings.Contains(err.Error(), "use ECDSA") {
			t.Errorf("%s: err = %v, want ErrAlgorithmUnusable with the way out", role, err)
		}
	}
	if keys, _ := s.Keys(); len(keys) != 0 {
		t.Errorf("%d keys written by refused generates", len(keys))
	}
	if _, err := s.Generate("targets", "docker.io/acme/app", AlgorithmED25519, passFunc("correct horse")); err != nil {
		t.Errorf("an Ed25519 targets key: %v", err)
	}
}

func TestDaysLeftRoundsUp(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{
		{11*day + 23*time.Hour + 45*time.Minute, 12},
		{12 * day, 12},
		{time.Minute, 1},
		{0, 0},
		{-36 * time.Hour, -1},
	} {
		if got := DaysLeft(tc.d); got != tc.want {
			t.Errorf("DaysLeft(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}

func BenchmarkScanKeys10k(b *testing.B) {
	s := store10k(b)
	b.ResetTimer()
	for b.Loop() {
		var n atomic.Int64
		if err := s.ScanKeys(func(k *Key) {
			if k.Err == nil {
				n.Add(1)
			}
		}); err != nil || n.Load() != 10000 {
			b.Fatal(err, n.Load())
		}
	}
}

// keysNamed lists what Keys lists, filtered by ID and layout, in the same
// order with the same fields, reading only the files it keeps: Key and
// Import find one key among a million by its name.
func TestKeysNamedIsKeysFiltered(t *testing.T) {
	s := newStore(t)
	priv := s.PrivateDir()
	vector := readTestdata(t, dockerVectorID+".key")
	legacy := readTestdata(t, "openssl/ec-legacy-aes256.pem")
	writeFile(t, filepath.Join(priv, dockerVectorID+".key"), vector)
	writeFile(t, filepath.Join(priv, "tuf_keys", "docker.io", "acme", "app", dockerVectorID+"_targets.key"), legacy)
	writeFile(t, filepath.Join(priv, "tuf_keys", "docker.io", "acme", "app", strings.Repeat("a", 64)+"_targets.key"), legacy)
	writeFile(t, filepath.Join(priv, "root_keys", strings.Repeat("a", 63)+"b_root.key"), legacy)
	writeFile(t, filepath.Join(priv, strings.Repeat("a", 64)+".key"), vector[:150])
	writeFile(t, filepath.Join(priv, "elsewhere", strings.Repeat("a", 64)+".key"), vector) // stray
	writeFile(t, filepath.Join(priv, "aaaaaaaaz.key"), vector)                             // not an ID
	all, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"", "aaaaaaa", strings.Repeat("a", 64), dockerVectorID[:9], "ffffffff"} {
		for _, stray := range []bool{false, true} {
			match := func(id string, l Layout) bool { return strings.HasPrefix(id, prefix) && (stray || l != LayoutStray) }
			var want []Key
			for _, k := range all {
				if match(k.ID, k.Layout) {
					want = append(want, k)
				}
			}
			got, err := s.keysNamed(match)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("prefix %q, strays %v: %d keys, want %d", prefix, stray, len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.Path != w.Path || g.ID != w.ID || g.Layout != w.Layout || g.Role != w.Role || g.GUN != w.GUN ||
					g.Size != w.Size || g.Encryption != w.Encryption || (g.Err == nil) != (w.Err == nil) {
					t.Errorf("prefix %q, key %d: %+v, want %+v", prefix, i, g, w)
				}
			}
		}
	}
	for _, prefix := range []string{"", "AAAAAAA", dockerVectorID[:3]} {
		got, err := s.KeysWithPrefix(prefix)
		n := 0
		for _, k := range all {
			if strings.HasPrefix(k.ID, strings.ToLower(prefix)) {
				n++
			}
		}
		if err != nil || len(got) != n {
			t.Errorf("KeysWithPrefix(%q): %d keys, %v; want %d", prefix, len(got), err, n)
		}
	}
	// Key, with or without its fast path for a full ID, says what the
	// walk of every key said.
	for _, id := range []string{dockerVectorID, dockerVectorID[:12], strings.Repeat("a", 64), strings.Repeat("a", 63) + "b", strings.Repeat("e", 64)} {
		want, wantErr := keyFromListing(all, id)
		got, err := s.Key(id)
		if got.Path != want.Path || (err == nil) != (wantErr == nil) || (want.Err != nil && err.Error() != wantErr.Error()) {
			t.Errorf("Key(%s) = %s, %v; the listing gives %s, %v", id, got.Path, err, want.Path, wantErr)
		}
	}
	k, err := s.Key(dockerVectorID[:12])
	if err != nil || k.Layout != LayoutFlat || k.ID != dockerVectorID {
		t.Errorf("Key(%s) = %+v, %v; want the flat file", dockerVectorID[:12], k, err)
	}
	// a…a, a…ab and the name aaaaaaaaz, which Key has always taken as an
	// ID to match (it is listed as not a key ID).
	if _, err := s.Key("aaaaaaa"); err == nil || !strings.Contains(err.Error(), "matches 3 keys") {
		t.Errorf("Key(aaaaaaa): %v; want an ambiguous prefix", err)
	}
}

// keyFromListing is Key as it was before keysNamed: every key listed, then
// filtered by prefix, the flat file preferred.
func keyFromListing(all []Key, id string) (Key, error) {
	var found []Key
	for _, k := range all {
		if strings.HasPrefix(k.ID, id) && k.Layout != LayoutStray {
			found = append(found, k)
		}
	}
	ids := map[string]bool{}
	for _, k := range found {
		ids[k.ID] = true
	}
	switch {
	case len(found) == 0:
		return Key{}, errors.New("not found")
	case len(ids) > 1:
		return Key{}, errors.New("ambiguous")
	}
	best := found[0]
	for _, k := range found[1:] {
		if k.Layout == LayoutFlat {
			best = k
		}
	}
	if best.Err != nil {
		return best, fmt.Errorf("key %s (%s) is unreadable: %w", best.ShortID(), best.Path, best.Err)
	}
	return best, nil
}

// A subdirectory that cannot be opened is listed as an entry of its own,
// by Keys and by ScanKeys alike, the last one walked included, and the
// rest of the store is listed.
func TestUnreadableSubdirectoryListed(t *testing.T) {
	s := newStore(t)
	priv := s.PrivateDir()
	vector := readTestdata(t, dockerVectorID+".key")
	writeFile(t, filepath.Join(priv, dockerVectorID+".key"), vector)
	writeFile(t, filepath.Join(priv, "tuf_keys", "docker.io", "a", strings.Repeat("a", 64)+"_targets.key"), vector)
	writeFile(t, filepath.Join(priv, "zz", strings.Repeat("b", 64)+".key"), vector)
	failing := map[string]bool{filepath.Join(priv, "tuf_keys", "docker.io"): true, filepath.Join(priv, "zz"): true}
	real := openKeyDir
	t.Cleanup(func() { openKeyDir = real })
	openKeyDir = func(name string) (*os.File, error) {
		if failing[name] {
			return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
		}
		return real(name)
	}
	want := map[string]string{
		filepath.Join(priv, dockerVectorID+".key"):   "",
		filepath.Join(priv, "tuf_keys", "docker.io"): "unreadable directory",
		filepath.Join(priv, "zz"):                    "unreadable directory",
	}
	check := func(how string, keys []Key) {
		t.Helper()
		got := map[string]string{}
		for _, k := range keys {
			got[k.Path] = ""
			if k.Err != nil {
				got[k.Path] = k.Err.Error()
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s listed %v, want %v", how, got, want)
		}
		for p, e := range want {
			if g, ok := got[p]; !ok || g != e {
				t.Errorf("%s: %s listed %v (%q), want %q", how, p, ok, g, e)
			}
		}
	}
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	check("Keys", keys)
	var mu sync.Mutex
	var scanned []Key
	if err := s.ScanKeys(func(k *Key) { mu.Lock(); scanned = append(scanned, *k); mu.Unlock() }); err != nil {
		t.Fatal(err)
	}
	check("ScanKeys", scanned)
}
