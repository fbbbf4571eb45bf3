package vault

// Hostile trust directories and archives (issue 15): FIFOs, sparse
// multi-GiB files, a symlinked trustvault/, layouts a trust directory does
// not have, plaintext keys, and PBES2 parameters no writer produces.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/trustvault/trustvault/archive"
)

// within runs f and fails the test if it has not returned after d: a
// hang becomes a failure, never a stuck suite.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v: it blocked", what, d)
	}
}

// mkfifo makes a FIFO at path; the test's cleanup opens it for writing
// (non-blocking) so that a reader stuck on it, if any, is let go.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Cleanup(func() {
		if f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
}

func TestFIFOsNeverBlock(t *testing.T) {
	s := newStore(t)
	good, err := s.Generate("targets", "docker.io/team/app", AlgorithmECDSA, passFunc("Good-pass-1"))
	if err != nil {
		t.Fatal(err)
	}
	id := strings.Repeat("ab", 32)
	fifos := []string{
		filepath.Join(s.PrivateDir(), id+".key"),
		filepath.Join(s.PrivateDir(), "root_keys", id+"_root.key"),
		filepath.Join(s.PrivateDir(), "tuf_keys", "docker.io", "team", "app", id+"_targets.key"),
		filepath.Join(s.Dir(), "tuf", "docker.io", "team", "app", "metadata", "root.json"),
		filepath.Join(s.Dir(), "tuf", "docker.io", "team", "app", "metadata", "targets", "releases.json"),
	}
	for _, p := range fifos {
		mkfifo(t, p)
	}
	within(t, 5*time.Second, "Keys", func() {
		keys, err := s.Keys()
		if err != nil {
			t.Error(err)
			return
		}
		fifoKeys := 0
		for _, k := range keys {
			if k.ID == good.ID && k.Err != nil {
				t.Errorf("the good key is listed as unreadable: %v", k.Err)
			}
			if k.ID == id {
				fifoKeys++
				if k.Err == nil || !strings.Contains(k.Err.Error(), "a FIFO, not a regular file") {
					t.Errorf("%s: err %v, want one naming the FIFO", k.Path, k.Err)
				}
			}
		}
		if fifoKeys != 3 {
			t.Errorf("%d FIFO key files listed, want 3", fifoKeys)
		}
	})
	within(t, 5*time.Second, "Repositories", func() {
		repos, _ := s.Repositories()
		if len(repos) != 1 || len(repos[0].Problems) == 0 || !strings.Contains(errors.Join(repos[0].Problems...).Error(), "FIFO") {
			t.Errorf("repositories %+v: want one with a FIFO problem", repos)
		}
	})
	mkfifo(t, filepath.Join(s.Dir(), "trustvault", "backups.json"))
	within(t, 5*time.Second, "ReadRecords", func() {
		if _, err := s.ReadRecords(); err == nil || !strings.Contains(err.Error(), "a FIFO") {
			t.Errorf("records at a FIFO: %v", err)
		}
	})
	within(t, 10*time.Second, "Generate", func() {
		if _, err := s.Generate("alice", "", AlgorithmECDSA, passFunc("Alice-pass-1")); err != nil {
			t.Errorf("generate beside FIFOs: %v", err)
		}
	})
	within(t, 10*time.Second, "collect", func() {
		files, keys, skipped, err := s.collect()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || len(files) != 2 {
			t.Errorf("collect took %d files, %d keys; want the 2 real key files", len(files), len(keys))
		}
		if n := strings.Count(strings.Join(skipped, "\n"), "a FIFO"); n != len(fifos) {
			t.Errorf("skipped %q: want the %d FIFOs named", skipped, len(fifos))
		}
	})
	// A FIFO at the lock's path is refused, not waited on.
	s2 := newStore(t)
	mkfifo(t, filepath.Join(s2.Dir(), "trustvault", "lock"))
	within(t, 5*time.Second, "Generate with a FIFO lock", func() {
		if _, err := s2.Generate("alice", "", AlgorithmECDSA, passFunc("Alice-pass-1")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("a FIFO as the lock: %v", err)
		}
	})
	within(t, 5*time.Second, "ReadInput", func() {
		if _, err := ReadInput(fifos[0]); err == nil || !strings.Contains(err.Error(), "a FIFO") {
			t.Errorf("import from a FIFO: %v", err)
		}
	})
}

// sparse makes a sparse file of n bytes at path (no disk used).
func sparse(t *testing.T, path string, n int64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(n); err != nil {
		t.Skipf("sparse file: %v", err)
	}
}

func TestSparseFilesDoNotBalloon(t *testing.T) {
	s := newStore(t)
	k, err := s.Generate("targets", "docker.io/team/app", AlgorithmECDSA, passFunc("Good-pass-1"))
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(s.PrivateDir(), strings.Repeat("cd", 32)+".key")
	sparse(t, big, 2<<30)
	sparse(t, filepath.Join(s.PrivateDir(), "notes"), 2<<30)
	sparse(t, filepath.Join(s.Dir(), "tuf", "docker.io", "team", "app", "metadata", "root.json"), 2<<30)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	files, _, skipped, err := s.collect()
	if err != nil {
		t.Fatal(err)
	}
	repos, _ := s.Repositories()
	ar, _, err := archive.Build(files, archive.BuildOptions{Created: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	drill, err := s.Drill(ar, nil)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("listing, collecting and drilling beside 6 GiB of sparse files allocated %d MiB", alloc>>20)
	}
	for _, key := range keys {
		if key.Path == big && (key.Err == nil || !strings.Contains(key.Err.Error(), "more than the 65536")) {
			t.Errorf("the 2 GiB key file is listed with err %v", key.Err)
		}
	}
	if len(files) != 1 || files[0].Name != "private/"+k.ID+".key" {
		t.Errorf("collected %d files; want only the real key", len(files))
	}
	joined := strings.Join(skipped, "\n")
	if !strings.Contains(joined, "2147483648 bytes, more than the 65536") || !strings.Contains(joined, "private/notes") ||
		!strings.Contains(joined, "root.json (2147483648 bytes") {
		t.Errorf("skipped %q: want the three large files named with their size", skipped)
	}
	if len(repos) != 1 || len(repos[0].Problems) == 0 {
		t.Errorf("repos %+v: want the large root.json as a problem", repos)
	}
	if len(drill.Keys) != 1 || drill.Keys[0].State != DrillSame {
		t.Errorf("drill %+v", drill.Keys)
	}
}

func TestSymlinkedStateDirRefused(t *testing.T) {
	s := newStore(t)
	outside := t.TempDir()
	if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(s.Dir(), "trustvault")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Generate("alice", "", AlgorithmECDSA, passFunc("Alice-pass-1"))
	if !errors.Is(err, ErrStateDir) || !strings.Contains(err.Error(), filepath.Join(s.Dir(), "trustvault")+" is a symbolic link") {
		t.Errorf("generate with a symlinked trustvault/: %v", err)
	}
	if err := s.updateRecords(func(r *Records) { r.Backups = append(r.Backups, BackupRun{Archive: "x"}) }); !errors.Is(err, ErrStateDir) {
		t.Errorf("records through a symlinked trustvault/: %v", err)
	}
	if _, err := s.ReadRecords(); !errors.Is(err, ErrStateDir) {
		t.Errorf("reading records through a symlinked trustvault/: %v", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("written outside the trust directory: %v", entries)
	}
}

// keyPEM is an unencrypted PKCS#8 key file and its ID.
func keyPEM(t *testing.T, headers map[string]string) ([]byte, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := newPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: blockPKCS8, Headers: headers, Bytes: der}), pk.ID
}

func buildArchive(t *testing.T, files ...archive.File) []byte {
	t.Helper()
	data, _, err := archive.Build(files, archive.BuildOptions{Created: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRestoreOnlyTrustLayouts(t *testing.T) {
	enc, id := encryptedKeyFile(t)
	deep := "tuf/" + strings.Repeat("d/", 2450) + "metadata/root.json" // 4.9 kB deep: the tar dialect refuses it
	long := "tuf/" + strings.Repeat("d/", 1000) + "metadata/root.json" // 2 kB: the layout bound refuses it
	for _, tc := range []struct {
		name  string
		files []archive.File
		want  string
	}{
		{"4.9 kB deep path", []archive.File{{Name: "private/" + id + ".key", Data: enc}, {Name: deep, Data: []byte("{}")}}, "unsafe archive"},
		{"33 directories deep", []archive.File{{Name: "private/" + id + ".key", Data: enc}, {Name: "tuf/" + strings.Repeat("d/", 30) + "metadata/root.json", Data: []byte("{}")}}, "directories deep, more than the 32"},
		{"a 256-byte name", []archive.File{{Name: "private/" + id + ".key", Data: enc}, {Name: "tuf/g/metadata/" + strings.Repeat("n", 251) + ".json", Data: []byte("{}")}}, "more than the 255"},
		{"a long name", []archive.File{{Name: "private/tuf_keys/" + strings.Repeat("n", 256) + "/" + id + "_targets.key", Data: enc}}, "more than the 255"},
		{"a regular file named private", []archive.File{{Name: "private", Data: enc}}, `file "private" is not where`},
		{"a file in private/ that is not a key", []archive.File{{Name: "private/" + id + ".key", Data: enc}, {Name: "private/notes.txt", Data: []byte("x")}}, "is not where"},
		{"a key below root_keys/<dir>", []archive.File{{Name: "private/root_keys/x/" + id + "_root.key", Data: enc}}, "not one a trust directory has"},
		{"metadata outside metadata/", []archive.File{{Name: "private/" + id + ".key", Data: enc}, {Name: "tuf/docker.io/x/root.json", Data: []byte("{}")}}, "is not where"},
		{"a key file too large", []archive.File{{Name: "private/" + id + ".key", Data: append(enc, make([]byte, 64<<10)...)}}, "more than the 65536"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			_, err := s.Restore(buildArchive(t, tc.files...), RestoreOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore: %v, want an error containing %q", err, tc.want)
			}
			if _, err := os.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the refused restore made %s", s.Dir())
			}
		})
	}
	// Paths over about 255 bytes do not pass the tar dialect check (see
	// the report); the layout's own bounds are checked directly.
	if err := checkLayout(long, false); err == nil || !strings.Contains(err.Error(), "bytes long, more than the 1024") {
		t.Errorf("a 2 kB path: %v", err)
	}
	if err := checkLayout("tuf/"+strings.Repeat("d/", 40)+"metadata/root.json", false); err == nil || !strings.Contains(err.Error(), "directories deep, more than the 32") {
		t.Errorf("a 43-deep path: %v", err)
	}
	// Every layout a trust directory has is accepted.
	s := newStore(t)
	_, err := s.Restore(buildArchive(t,
		archive.File{Name: "private/" + id + ".key", Data: enc},
		archive.File{Name: "private/root_keys/" + id + "_root.key", Data: enc},
		archive.File{Name: "private/tuf_keys/docker.io/team/app/" + id + "_targets.key", Data: enc},
		archive.File{Name: "tuf/docker.io/team/app/metadata/targets/releases.json", Data: []byte("{}")},
		archive.File{Name: "tuf/docker.io/team/app/changelist/0001", Data: []byte("{}")},
	), RestoreOptions{})
	if err != nil {
		t.Fatalf("restore of every layout: %v", err)
	}
}

// encryptedKeyFile is a compat-encrypted key file and its ID.
func encryptedKeyFile(t *testing.T) ([]byte, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := encryptKeyBlock(k, "targets", "docker.io/team/app", []byte("Key-pass-1"), CompatIterations, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := newPrivateKey(k)
	return pem.EncodeToMemory(b), pk.ID
}

func TestRestorePlainKeys(t *testing.T) {
	plain, id := keyPEM(t, map[string]string{"role": "targets", "gun": "docker.io/team/app"})
	data := buildArchive(t, archive.File{Name: "private/" + id + ".key", Data: plain})
	s := newStore(t)
	if _, err := s.Restore(data, RestoreOptions{}); !errors.Is(err, ErrPlainKeys) || !strings.Contains(err.Error(), "private/"+id+".key") ||
		!strings.Contains(err.Error(), "--encrypt-plain") {
		t.Fatalf("restore of a plaintext key: %v", err)
	}
	if _, err := os.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Error("the refused restore wrote something")
	}
	res, err := s.Restore(data, RestoreOptions{EncryptPlain: passFunc("New-pass-123")})
	if err != nil || len(res.Encrypted) != 1 {
		t.Fatalf("restore --encrypt-plain: %v %+v", err, res)
	}
	k, err := s.Key(id)
	if err != nil || k.Encryption.Scheme != SchemePBES2 || k.Role != "targets" || k.GUN != "docker.io/team/app" {
		t.Fatalf("restored key: %+v %v", k, err)
	}
	if _, err := s.Unlock(id, passFunc("New-pass-123")); err != nil {
		t.Errorf("the key encrypted on the way in does not decrypt: %v", err)
	}
	s2 := newStore(t)
	res, err = s2.Restore(data, RestoreOptions{AllowPlain: true})
	if err != nil || len(res.Plain) != 1 {
		t.Fatalf("restore --allow-plain: %v %+v", err, res)
	}
}

// TestRestoreOverwriteCopiesFirst: the old key is copied aside, never
// moved; a failure part-way says exactly what was written.
func TestRestoreOverwriteCopiesFirst(t *testing.T) {
	encA, idA := encryptedKeyFile(t)
	encB, idB := encryptedKeyFile(t)
	if idA > idB { // A sorts first: it is written before B is replaced
		encA, idA, encB, idB = encB, idB, encA, idA
	}
	s := newStore(t)
	localB := []byte(strings.Replace(string(encB), "targets", "targetz", 1))
	writeFile(t, filepath.Join(s.PrivateDir(), idB+".key"), localB)
	data := buildArchive(t, archive.File{Name: "private/" + idA + ".key", Data: encA}, archive.File{Name: "private/" + idB + ".key", Data: encB})
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// The pre-restore directory cannot be made: a file is in its way.
	writeFile(t, filepath.Join(s.Dir(), "trustvault", "pre-restore-20260301T120000Z"), []byte("in the way"))
	_, err := s.Restore(data, RestoreOptions{Conflict: ConflictOverwrite, Now: now})
	var re *RestoreError
	if !errors.As(err, &re) {
		t.Fatalf("restore: %v, want a RestoreError", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "nothing was") || !strings.Contains(msg, "written (new): private/"+idA+".key") || !strings.Contains(msg, "every other file is as it was") {
		t.Errorf("the error does not say what was written: %s", msg)
	}
	if b, _ := os.ReadFile(filepath.Join(s.PrivateDir(), idB+".key")); string(b) != string(localB) {
		t.Error("the key that could not be copied aside was changed")
	}
	os.Remove(filepath.Join(s.Dir(), "trustvault", "pre-restore-20260301T120000Z"))
	res, err := s.Restore(data, RestoreOptions{Conflict: ConflictOverwrite, Now: now})
	if err != nil || len(res.Conflicts) != 1 || len(res.Copies) != 1 {
		t.Fatalf("restore --overwrite: %v %+v", err, res)
	}
	if b, _ := os.ReadFile(filepath.Join(s.PrivateDir(), idB+".key")); string(b) != string(encB) {
		t.Error("the key was not replaced")
	}
	saved := filepath.Join(s.Dir(), filepath.FromSlash(res.Conflicts[0].CopiedLocalTo))
	if b, _ := os.ReadFile(saved); string(b) != string(localB) {
		t.Errorf("the copy kept aside at %s does not hold the old bytes", saved)
	}
}

func TestExtraPEMBlockIsAFinding(t *testing.T) {
	s := newStore(t)
	k, err := s.Generate("root", "", AlgorithmECDSA, passFunc("Root-pass-1"))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := keyPEM(t, nil)
	f, err := os.OpenFile(k.Path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(plain)
	f.Close()
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !errors.Is(keys[0].Err, ErrExtraBlock) || !strings.Contains(keys[0].Err.Error(), "plaintext key block after the encrypted one") {
		t.Fatalf("a key file with a plaintext block appended is listed as %+v", keys[0])
	}
}

// pbes2Params builds an EncryptedPrivateKeyInfo with knobs no honest
// writer turns.
type pbes2Knobs struct {
	salt                                  []byte
	iterations                            int64
	afterKDFParams, afterPRF, afterCipher []byte
	afterParams, afterIV                  []byte
}

func (k pbes2Knobs) der() []byte {
	var b cryptobyte.Builder
	raw := func(extra []byte) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			if len(extra) > 0 {
				b.AddBytes(extra)
			}
		}
	}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPBES2)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidPBKDF2)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(k.salt)
						b.AddASN1Int64(k.iterations)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7})
							raw(k.afterPRF)(b)
						})
						raw(k.afterKDFParams)(b)
					})
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidAES256CBC)
					b.AddASN1OctetString(make([]byte, 16))
					raw(k.afterIV)(b)
				})
				raw(k.afterParams)(b)
			})
		})
		b.AddASN1OctetString(make([]byte, 32))
	})
	return b.BytesOrPanic()
}

func TestPBES2Strict(t *testing.T) {
	ok := pbes2Knobs{salt: []byte("12345678"), iterations: 2048}
	if _, err := parsePBES2(ok.der()); err != nil {
		t.Fatalf("the honest parameters are refused: %v", err)
	}
	junk := []byte{0x05, 0x00} // a NULL
	for name, tc := range map[string]struct {
		k    pbes2Knobs
		want string
	}{
		"empty salt":                   {pbes2Knobs{salt: nil, iterations: 2048}, "salt is empty"},
		"100M iterations":              {pbes2Knobs{salt: ok.salt, iterations: 100_000_000}, "100000000 is more than the 10000000"},
		"zero iterations":              {pbes2Knobs{salt: ok.salt, iterations: 0}, "not a count"},
		"trailing in PBKDF2 params":    {pbes2Knobs{salt: ok.salt, iterations: 2048, afterKDFParams: junk}, "trailing"},
		"trailing in the PRF":          {pbes2Knobs{salt: ok.salt, iterations: 2048, afterPRF: append(append([]byte{}, junk...), junk...)}, "PRF"},
		"trailing in the cipher":       {pbes2Knobs{salt: ok.salt, iterations: 2048, afterIV: junk}, "trailing data after the IV"},
		"trailing in the PBES2 params": {pbes2Knobs{salt: ok.salt, iterations: 2048, afterParams: junk}, "a cipher, then nothing"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parsePBES2(tc.k.der()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one containing %q", err, tc.want)
			}
		})
	}
	// A PRF with its NULL parameter, as OpenSSL writes it, is fine.
	if _, err := parsePBES2(pbes2Knobs{salt: ok.salt, iterations: 2048, afterPRF: junk}.der()); err != nil {
		t.Errorf("a PRF with a NULL parameter: %v", err)
	}
}

func TestImportWorkBounded(t *testing.T) {
	s := newStore(t)
	block := pem.EncodeToMemory(&pem.Block{Type: blockEncrypted, Bytes: pbes2Knobs{salt: []byte("12345678"), iterations: 100_000_000}.der()})
	start := time.Now()
	calls := &fixedPass{pass: "x"}
	_, err := s.Import(block, "hostile.pem", ImportOptions{}, calls.get)
	if err == nil || !strings.Contains(err.Error(), "100000000 is more than the 10000000") || time.Since(start) > time.Second || calls.calls != 0 {
		t.Errorf("a 100M-iteration import: %v after %v and %d prompts; want a fast refusal naming the count", err, time.Since(start), calls.calls)
	}
	var many []byte
	for range 16 {
		many = append(many, pem.EncodeToMemory(&pem.Block{Type: blockEncrypted, Bytes: pbes2Knobs{salt: []byte("12345678"), iterations: 10_000_000}.der()})...)
	}
	start = time.Now()
	_, err = s.Import(many, "many.pem", ImportOptions{}, calls.get)
	if err == nil || !strings.Contains(err.Error(), "more than 150000000 PBKDF2 iterations in all") || time.Since(start) > time.Second || calls.calls != 0 {
		t.Errorf("an import of 16 blocks of 10M: %v after %v", err, time.Since(start))
	}
}

func TestImportVerifiesAndReportsPlain(t *testing.T) {
	s := newStore(t)
	plain, id := keyPEM(t, map[string]string{"role": "alice"})
	out, err := s.Import(plain, "plain.pem", ImportOptions{Verify: true}, passFunc("Alice-pass-1"))
	if err != nil || len(out) != 1 || !out[0].Plain || !out[0].Verified || out[0].Key.ID != id {
		t.Fatalf("import: %v %+v", err, out)
	}
}
