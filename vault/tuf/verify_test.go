package tuf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"
)

const testGUN = "registry.test/team/app"

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fixture is a repository signed in the test: a root key wrapped in a
// certificate, ECDSA keys for the other roles, and delegations.
type fixture struct {
	t                        *testing.T
	root                     *ecdsa.PrivateKey
	rootKey                  Key
	targets, snapshot, stamp *ecdsa.PrivateKey
	dels                     map[string]*ecdsa.PrivateKey // role → key
	rootVersion              int
	version                  int
	expires                  time.Time
	tags                     map[string]map[string]FileMeta // role → tag → meta
	delegations              map[string][]Delegation        // parent → children
	files                    map[string][]byte
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func certKey(t *testing.T, signer crypto.Signer, cn string) Key {
	t.Helper()
	certPEM, err := NewRootCertificate(signer, cn, testNow.Add(-time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewCertificateKey(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func bareKey(t *testing.T, k *ecdsa.PrivateKey) Key {
	t.Helper()
	key, err := NewKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, root: newKey(t), targets: newKey(t), snapshot: newKey(t), stamp: newKey(t),
		dels: map[string]*ecdsa.PrivateKey{}, rootVersion: 1, version: 1, expires: testNow.Add(24 * time.Hour),
		tags: map[string]map[string]FileMeta{}, delegations: map[string][]Delegation{}}
	f.rootKey = certKey(t, f.root, testGUN)
	return f
}

func (f *fixture) sign(signed map[string]any, keys ...Signer) []byte {
	f.t.Helper()
	data, err := Sign(signed, rand.Reader, keys...)
	if err != nil {
		f.t.Fatal(err)
	}
	return data
}

func (f *fixture) signer(k *ecdsa.PrivateKey) Signer {
	return Signer{KeyID: bareKey(f.t, k).ID(), Signer: k}
}

func (f *fixture) rootSigned(rootKey Key) map[string]any {
	keys := map[string]Key{rootKey.ID(): rootKey}
	roles := map[string]Role{"root": {KeyIDs: []string{rootKey.ID()}, Threshold: 1}}
	for name, k := range map[string]*ecdsa.PrivateKey{"targets": f.targets, "snapshot": f.snapshot, "timestamp": f.stamp} {
		key := bareKey(f.t, k)
		keys[key.ID()] = key
		roles[name] = Role{KeyIDs: []string{key.ID()}, Threshold: 1}
	}
	return RootSigned(keys, roles, testNow.Add(365*24*time.Hour), f.rootVersion)
}

func (f *fixture) tag(role, name string, content []byte) {
	if f.tags[role] == nil {
		f.tags[role] = map[string]FileMeta{}
	}
	f.tags[role][name] = NewFileMeta(content)
}

func (f *fixture) delegate(name string, paths ...string) {
	parent := name[:len(name)-len(name[lastSlash(name):])]
	k := newKey(f.t)
	f.dels[name] = k
	f.delegations[parent] = append(f.delegations[parent], Delegation{Name: name, KeyIDs: []string{bareKey(f.t, k).ID()}, Threshold: 1, Paths: paths})
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return 0
}

// build signs every file; the root is signed by the current root key.
func (f *fixture) build() map[string][]byte {
	f.t.Helper()
	files := map[string][]byte{}
	files["root"] = f.sign(f.rootSigned(f.rootKey), Signer{KeyID: f.rootKey.ID(), Signer: f.root})
	meta := map[string]FileMeta{"root": NewFileMeta(files["root"])}
	for _, role := range append([]string{"targets"}, f.delegationNames()...) {
		keys := map[string]Key{}
		for _, d := range f.delegations[role] {
			keys[d.KeyIDs[0]] = bareKey(f.t, f.dels[d.Name])
		}
		k := f.targets
		if role != "targets" {
			k = f.dels[role]
		}
		files[role] = f.sign(TargetsSigned(f.tags[role], keys, f.delegations[role], f.expires, f.version), f.signer(k))
		meta[role] = NewFileMeta(files[role])
	}
	files["snapshot"] = f.sign(SnapshotSigned(meta, f.expires, f.version), f.signer(f.snapshot))
	files["timestamp"] = f.sign(TimestampSigned(NewFileMeta(files["snapshot"]), f.expires, f.version), f.signer(f.stamp))
	f.files = files
	return files
}

func (f *fixture) delegationNames() []string {
	var out []string
	queue := []string{"targets"}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, d := range f.delegations[p] {
			out = append(out, d.Name)
			queue = append(queue, d.Name)
		}
	}
	return out
}

func TestVerifyFilesHappy(t *testing.T) {
	f := newFixture(t)
	f.delegate("targets/releases", "")
	f.delegate("targets/a", "app/")
	f.delegate("targets/a/b", "app/b/", "other/")
	f.tag("targets", "v1", []byte("one"))
	f.tag("targets/releases", "v1", []byte("one"))
	f.tag("targets/a", "app/x", []byte("x"))
	f.tag("targets/a", "nope", []byte("outside a's paths"))
	f.tag("targets/a/b", "app/b/y", []byte("y"))
	f.tag("targets/a/b", "other/z", []byte("z"))
	repo, err := VerifyFiles(testGUN, f.build(), nil, TrustPinning{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(repo.Delegations) != 3 || len(repo.Skipped) != 0 {
		t.Fatalf("delegations %d, skipped %v", len(repo.Delegations), repo.Skipped)
	}
	b, _ := repo.Role("targets/a/b")
	if len(b.Paths) != 1 || b.Paths[0] != "app/b/" {
		t.Errorf("targets/a/b paths %q, want only app/b/ (other/ is outside targets/a)", b.Paths)
	}
	tests := []struct {
		name, role string
		roles      []string
		found      bool
	}{
		{"v1", "targets/releases", []string{"targets/releases", "targets"}, true},
		{"v1", "targets", nil, true},
		{"app/x", "targets/a", nil, true},
		{"app/b/y", "targets/a/b", nil, true},
		{"other/z", "", nil, false},
		{"nope", "", nil, false},
	}
	for _, tt := range tests {
		ref, ok := repo.Lookup(tt.name, tt.roles...)
		if ok != tt.found || (ok && ref.Role.Name != tt.role) {
			t.Errorf("Lookup(%q, %q) = %q, %v; want %q, %v", tt.name, tt.roles, ref.Role.Name, ok, tt.role, tt.found)
		}
	}
	if got := len(repo.AllTargets("")); got != 6 {
		t.Errorf("AllTargets lists %d entries, want 6 (nope and other/z still listed by their roles' walk)", got)
	}
}

func TestVerifyFilesAttacks(t *testing.T) {
	f := newFixture(t)
	f.delegate("targets/releases", "")
	f.tag("targets/releases", "v1", []byte("one"))
	good := f.build()
	trusted, err := VerifyFiles(testGUN, good, nil, TrustPinning{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	other := newKey(t)
	stranger := Signer{KeyID: bareKey(t, other).ID(), Signer: other}

	tests := []struct {
		name   string
		mutate func(files map[string][]byte)
		at     time.Time
		want   error
	}{
		{"snapshot length changed", func(m map[string][]byte) { m["snapshot"] = append(m["snapshot"], ' ') }, testNow, ErrHashMismatch},
		{"targets by a stranger", func(m map[string][]byte) {
			m["targets"] = f.sign(TargetsSigned(nil, nil, nil, f.expires, 5), stranger)
			f.resign(m)
		}, testNow, ErrUnknownKey},
		{"expired timestamp", func(map[string][]byte) {}, testNow.Add(48 * time.Hour), ErrExpired},
		{"timestamp of the wrong type", func(m map[string][]byte) { m["timestamp"] = m["snapshot"] }, testNow, ErrWrongType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string][]byte{}
			for k, v := range good {
				files[k] = v
			}
			tt.mutate(files)
			_, err := VerifyFiles(testGUN, files, nil, TrustPinning{}, tt.at)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}

	// An older, validly signed version against the trusted newer copy.
	f.version = 2
	f.tag("targets", "v2", []byte("two"))
	newer, err := VerifyFiles(testGUN, f.build(), trusted, TrustPinning{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	_, err = VerifyFiles(testGUN, good, newer, TrustPinning{}, testNow)
	var rb *RollbackError
	if !errors.As(err, &rb) || rb.Trusted != 2 || rb.Got != 1 {
		t.Errorf("rollback: got %v, want a RollbackError 2 → 1", err)
	}
}

func TestThreshold(t *testing.T) {
	a, b := newKey(t), newKey(t)
	ka, kb := bareKey(t, a), bareKey(t, b)
	data, err := Sign(TargetsSigned(nil, nil, nil, testNow, 1), rand.Reader, Signer{KeyID: ka.ID(), Signer: a}, Signer{KeyID: ka.ID(), Signer: a})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := Parse(data)
	role := RoleKeys{Name: "targets", KeyIDs: []string{ka.ID(), kb.ID()}, Keys: map[string]Key{ka.ID(): ka, kb.ID(): kb}, Threshold: 2}
	err = VerifySignatures(m, role)
	var te *ThresholdError
	if !errors.As(err, &te) || te.Valid != 1 || errors.Is(err, ErrUnknownKey) {
		t.Errorf("two signatures by one key: %v, want threshold error with 1 valid", err)
	}
	role.Threshold = 1
	if err := VerifySignatures(m, role); err != nil {
		t.Errorf("threshold 1: %v", err)
	}
	// A key listed under an ID that is not its own does not count.
	role.Keys = map[string]Key{kb.ID(): ka}
	role.KeyIDs = []string{kb.ID()}
	if err := VerifySignatures(m, role); !errors.Is(err, ErrThreshold) {
		t.Errorf("aliased key: %v, want ErrThreshold", err)
	}
}

func TestRootRotation(t *testing.T) {
	f := newFixture(t)
	v1 := f.build()
	trusted, err := VerifyFiles(testGUN, v1, nil, TrustPinning{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, oldSigner := f.rootKey, Signer{KeyID: f.rootKey.ID(), Signer: f.root}
	f.root = newKey(t)
	f.rootKey = certKey(t, f.root, testGUN)
	f.rootVersion = 2
	newSigner := Signer{KeyID: f.rootKey.ID(), Signer: f.root}
	tests := []struct {
		name    string
		signers []Signer
		want    error
	}{
		{"old and new", []Signer{oldSigner, newSigner}, nil},
		{"new only", []Signer{newSigner}, ErrRootRotation},
		{"old only", []Signer{oldSigner}, ErrThreshold},
	}
	_ = oldKey
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := f.build()
			files["root"] = f.sign(f.rootSigned(f.rootKey), tt.signers...)
			files = f.resign(files)
			_, err := VerifyFiles(testGUN, files, trusted, TrustPinning{}, testNow)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	// Skipping a version is refused: the chain needs each one.
	f.rootVersion = 3
	files := f.build()
	if _, err := VerifyFiles(testGUN, files, trusted, TrustPinning{}, testNow); !errors.Is(err, ErrMissing) {
		t.Errorf("root 1 → 3: %v, want ErrMissing", err)
	}
}

// resign rebuilds snapshot and timestamp over the given files.
func (f *fixture) resign(files map[string][]byte) map[string][]byte {
	meta := map[string]FileMeta{}
	for role, data := range files {
		if role != "snapshot" && role != "timestamp" {
			meta[role] = NewFileMeta(data)
		}
	}
	files["snapshot"] = f.sign(SnapshotSigned(meta, f.expires, f.version), f.signer(f.snapshot))
	files["timestamp"] = f.sign(TimestampSigned(NewFileMeta(files["snapshot"]), f.expires, f.version), f.signer(f.stamp))
	return files
}

func TestTrustPinning(t *testing.T) {
	f := newFixture(t)
	files := f.build()
	canon, _ := f.rootKey.CanonicalID()
	ca, caPEM := testCA(t)
	leaf := newKey(t)
	leafCert := issue(t, ca, leaf, testGUN)
	tests := []struct {
		name string
		pin  TrustPinning
		ok   bool
	}{
		{"tofu", TrustPinning{}, true},
		{"tofu disabled", TrustPinning{DisableTOFU: true}, false},
		{"pinned x509 ID", TrustPinning{Certs: map[string][]string{testGUN: {f.rootKey.ID()}}}, true},
		{"pinned canonical ID", TrustPinning{Certs: map[string][]string{testGUN: {canon}}}, true},
		{"pinned other ID", TrustPinning{Certs: map[string][]string{testGUN: {"00"}}}, false},
		{"other GUN pinned", TrustPinning{Certs: map[string][]string{"x/y": {"00"}}, DisableTOFU: true}, false},
		{"CA not signing the root", TrustPinning{CA: map[string][]byte{"registry.test/": caPEM}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyFiles(testGUN, files, nil, tt.pin, testNow)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrPinning)) {
				t.Errorf("got %v, want ok=%v (or ErrPinning)", err, tt.ok)
			}
		})
	}
	// A root key certified by the pinned CA passes.
	f.root = leaf
	f.rootKey = Key{Type: KeyTypeECDSAX509, Public: leafCert}
	files = f.build()
	pin := TrustPinning{CA: map[string][]byte{"registry.test/": caPEM, "registry.test/team/app-other": []byte("junk")}}
	if _, err := VerifyFiles(testGUN, files, nil, pin, testNow); err != nil {
		t.Errorf("CA pinned: %v", err)
	}
	// Certificate common name other than the GUN.
	if _, err := VerifyFiles("registry.test/team/other", files, nil, TrustPinning{}, testNow); !errors.Is(err, ErrPinning) {
		t.Errorf("root for another GUN: %v, want ErrPinning", err)
	}
}

func testCA(t *testing.T) (*x509.Certificate, []byte) {
	k := newKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pin CA"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour * 24 * 365), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	caKeys[cert] = k
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

var caKeys = map[*x509.Certificate]*ecdsa.PrivateKey{}

func issue(t *testing.T, ca *x509.Certificate, k *ecdsa.PrivateKey, cn string) []byte {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour * 24 * 30),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, k.Public(), caKeys[ca])
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// FuzzVerifyServerMetadata feeds a server's answers (root, timestamp,
// snapshot, targets) to the verifier: whatever comes, no panic, and
// nothing verifies that the fixture's keys did not sign.
func FuzzVerifyServerMetadata(f *testing.F) {
	t := &testing.T{}
	fx := newFixture(t)
	fx.delegate("targets/releases", "")
	fx.tag("targets/releases", "v1", []byte("one"))
	good := fx.build()
	for _, role := range []string{"root", "timestamp", "snapshot", "targets", "targets/releases"} {
		f.Add(role, good[role])
	}
	f.Fuzz(func(t *testing.T, role string, data []byte) {
		files := map[string][]byte{}
		for k, v := range good {
			files[k] = v
		}
		files[role] = data
		repo, err := VerifyFiles(testGUN, files, nil, TrustPinning{}, testNow)
		if err == nil && role != "root" && string(data) != string(good[role]) && repo.Files[role] != nil {
			if _, perr := Parse(data); perr != nil {
				t.Fatalf("unparseable %s accepted", role)
			}
		}
	})
}
