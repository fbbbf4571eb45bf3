package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// Interoperability with the real clients (FORMAT.md §10): the notary CLI
// v0.7.0 and the docker CLI read what trustvault writes, and trustvault reads
// what they write. The test kit finds the binaries (tools.Notary,
// tools.DockerTrust). `make test` installs them and sets
// TRUSTVAULT_REQUIRE_INTEROP=1, which turns a missing one into a failure.

// interop runs programs for one test with stdin /dev/null, HOME in a
// temporary directory and no passphrase variables but those given.
type interop struct {
	t    *testing.T
	tv   string // the built trustvault
	home string
}

func newInterop(t *testing.T) *interop {
	return &interop{t: t, tv: tools.Trustvault(t), home: t.TempDir()}
}

// run runs name with args and extra environment, failing the test unless it
// exits 0, and returns its standard output.
func (in *interop) run(env []string, name string, args ...string) string {
	in.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = passphraseFreeEnv(append([]string{"HOME=" + in.home}, env...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		in.t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// trustvault runs the built trustvault on dir.
func (in *interop) trustvault(dir string, env []string, args ...string) string {
	in.t.Helper()
	return in.run(env, in.tv, append([]string{"--trust-dir", dir}, args...)...)
}

// listed is one key as trustvault list --json shows it.
type listed struct {
	ID, Role, GUN string
	Encryption    struct {
		Scheme     string
		Iterations int
	}
	Error string
}

func (in *interop) list(dir string) map[string]listed {
	in.t.Helper()
	var keys []listed
	if err := json.Unmarshal([]byte(in.trustvault(dir, nil, "list", "--json")), &keys); err != nil {
		in.t.Fatal(err)
	}
	m := map[string]listed{}
	for _, k := range keys {
		if k.Error != "" {
			in.t.Fatalf("trustvault lists %s with an error: %s", k.ID, k.Error)
		}
		m[k.ID] = k
	}
	return m
}

// notaryRow is one row of `notary key list`.
type notaryRow struct{ role, gun, id, location string }

var keyIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// notaryList runs `notary -d COPY key list` on a copy of dir (opening a
// directory runs notary's layout migration) and parses its table. The GUN
// column is empty for keys without one, so a row has three or four fields.
func (in *interop) notaryList(notary, dir string) map[string]notaryRow {
	in.t.Helper()
	cp := filepath.Join(in.t.TempDir(), "trust")
	copyDir(in.t, dir, cp)
	out := in.run(nil, notary, "-d", cp, "key", "list")
	rows := map[string]notaryRow{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var r notaryRow
		switch len(f) {
		case 3:
			r = notaryRow{role: f[0], id: f[1], location: f[2]}
		case 4:
			r = notaryRow{role: f[0], gun: f[1], id: f[2], location: f[3]}
		default:
			continue
		}
		if keyIDPattern.MatchString(r.id) {
			rows[r.id] = r
		}
	}
	return rows
}

// sameGUN compares a GUN with notary's display of it, which keeps the last
// characters of a GUN longer than 25 behind "...".
func sameGUN(full, shown string) bool {
	if len(full) <= 25 {
		return full == shown
	}
	rest, ok := strings.CutPrefix(shown, "...")
	return ok && len(rest) >= 10 && strings.HasSuffix(full, rest)
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm())
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// generatedID parses notary's "Generated new ecdsa <role> key with keyID: <id>".
func generatedID(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`key with keyID: ([0-9a-f]{64})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no key ID in notary's output:\n%s", out)
	}
	return m[1]
}

// (a) notary key list shows trustvault's keys with the same role, GUN and ID.
func TestInteropNotaryListsTrustvaultKeys(t *testing.T) {
	notary := tools.Notary(t)
	in := newInterop(t)
	dir := filepath.Join(t.TempDir(), "trust")
	env := []string{
		"NOTARY_ROOT_PASSPHRASE=Root-pass-123-Kq7Zr2Vm9Tx4Lp",
		"NOTARY_TARGETS_PASSPHRASE=Targets-pass-123-Kq7Zr2Vm9Tx4Lp",
		"NOTARY_SNAPSHOT_PASSPHRASE=Snapshot-pass-123-Kq7Zr2Vm9Tx4Lp",
		"NOTARY_DELEGATION_PASSPHRASE=Delegation-pass-123-Kq7Zr2Vm9Tx4Lp",
	}
	for _, args := range [][]string{
		{"--role", "root"},
		{"--role", "targets", "--gun", "docker.io/library/alpine"},
		{"--role", "targets", "--gun", "registry.example.com:5000/team/application"},
		{"--role", "snapshot", "--gun", "registry.example.com:5000/team/application"},
		{"--role", "targets/releases"},
		{"--role", "alice"},
		{"--role", "snapshot", "--gun", "docker.io/library/alpine", "--algorithm", "ed25519"},
	} {
		in.trustvault(dir, env, append([]string{"generate", "--compat"}, args...)...)
	}
	ours := in.list(dir)
	theirs := in.notaryList(notary, dir)
	if len(theirs) != len(ours) {
		t.Fatalf("notary lists %d keys, trustvault %d:\nnotary: %v\ntrustvault: %v", len(theirs), len(ours), theirs, ours)
	}
	for id, k := range ours {
		r, ok := theirs[id]
		switch {
		case !ok:
			t.Errorf("notary does not list %s key %s", k.Role, id)
		case r.role != k.Role:
			t.Errorf("key %s: notary shows role %q, trustvault %q", vault.ShortID(id), r.role, k.Role)
		case !sameGUN(k.GUN, r.gun):
			t.Errorf("key %s: notary shows GUN %q, trustvault %q", vault.ShortID(id), r.gun, k.GUN)
		}
	}
}

// (b) notary decrypts a hardened trustvault key: `notary key passwd` reads it
// with the passphrase and rewrites it; trustvault then reads notary's file.
func TestInteropNotaryDecryptsTrustvaultKeys(t *testing.T) {
	notary := tools.Notary(t)
	in := newInterop(t)
	dir := filepath.Join(t.TempDir(), "trust")
	for _, tc := range []struct{ role, gun, env string }{
		{"root", "", "NOTARY_ROOT_PASSPHRASE=Hardened-root-1-Kq7Zr2Vm9Tx4Lp"},
		{"targets", "docker.io/team/app", "NOTARY_TARGETS_PASSPHRASE=Hardened-targets-1-Kq7Zr2Vm9Tx4Lp"},
		{"targets/releases", "", "NOTARY_DELEGATION_PASSPHRASE=Hardened-releases-1-Kq7Zr2Vm9Tx4Lp"},
	} {
		t.Run(strings.ReplaceAll(tc.role, "/", "-"), func(t *testing.T) {
			args := []string{"generate", "--role", tc.role}
			if tc.gun != "" {
				args = append(args, "--gun", tc.gun)
			}
			id := strings.TrimSpace(in.trustvault(dir, []string{tc.env}, args...))
			if k := in.list(dir)[id]; k.Encryption.Iterations != vault.HardenedIterations {
				t.Fatalf("trustvault wrote %d iterations, want %d", k.Encryption.Iterations, vault.HardenedIterations)
			}
			pub := in.trustvault(dir, []string{tc.env}, "export", "--public", id)

			cp := filepath.Join(t.TempDir(), "trust")
			copyDir(t, dir, cp)
			in.run([]string{tc.env}, notary, "-d", cp, "key", "passwd", id)

			// notary rewrote the file under its own parameters; trustvault
			// reads it back, same key, same headers.
			k := in.list(cp)[id]
			if k.Role != tc.role || k.GUN != tc.gun || k.Encryption.Iterations != vault.CompatIterations {
				t.Errorf("after notary key passwd: role %q gun %q iterations %d; want %q %q %d",
					k.Role, k.GUN, k.Encryption.Iterations, tc.role, tc.gun, vault.CompatIterations)
			}
			if got := in.trustvault(cp, []string{tc.env}, "export", "--public", id); got != pub {
				t.Errorf("public key after notary key passwd:\n%s\nwant:\n%s", got, pub)
			}
		})
	}
}

// (c) keys notary generated list in trustvault with the same role and ID and
// decrypt there; after trustvault changes a passphrase, notary still reads
// the key.
func TestInteropTrustvaultReadsNotaryKeys(t *testing.T) {
	notary := tools.Notary(t)
	in := newInterop(t)
	dir := filepath.Join(t.TempDir(), "trust")
	roles := map[string]string{
		"root":             "NOTARY_ROOT_PASSPHRASE=Notary-root-1",
		"targets":          "NOTARY_TARGETS_PASSPHRASE=Notary-targets-1",
		"targets/releases": "NOTARY_DELEGATION_PASSPHRASE=Notary-releases-1",
	}
	ids := map[string]string{}
	for role, env := range roles {
		ids[role] = generatedID(t, in.run([]string{env}, notary, "-d", dir, "key", "generate", "ecdsa", "--role", role))
	}
	ours := in.list(dir)
	if len(ours) != len(roles) {
		t.Fatalf("trustvault lists %d keys, want %d: %v", len(ours), len(roles), ours)
	}
	for role, id := range ids {
		k, ok := ours[id]
		if !ok || k.Role != role || k.Encryption.Scheme != "pbes2" || k.Encryption.Iterations != vault.CompatIterations {
			t.Errorf("notary's %s key %s: trustvault lists %+v", role, vault.ShortID(id), k)
		}
		// export --public decrypts the key.
		pub := in.trustvault(dir, []string{roles[role]}, "export", "--public", id)
		checkPublicKeyID(t, pub, id)
		// passwd decrypts and rewrites it, hardened.
		newPass := "Changed-by-trustvault-1-Kq7Zr2Vm9Tx4Lp"
		in.trustvault(dir, []string{roles[role], "TRUSTVAULT_NEW_PASSPHRASE=" + newPass}, "passwd", id)
		// notary decrypts trustvault's rewrite (key passwd on a copy).
		name, _, _ := strings.Cut(roles[role], "=")
		cp := filepath.Join(t.TempDir(), "trust")
		copyDir(t, dir, cp)
		in.run([]string{name + "=" + newPass}, notary, "-d", cp, "key", "passwd", id)
	}
	theirs := in.notaryList(notary, dir)
	for role, id := range ids {
		if r := theirs[id]; r.role != role {
			t.Errorf("after trustvault passwd, notary lists key %s as %+v, want role %s", vault.ShortID(id), r, role)
		}
	}
}

// checkPublicKeyID checks that a PUBLIC KEY PEM block has the given
// canonical ID.
func checkPublicKeyID(t *testing.T, pemText, id string) {
	t.Helper()
	block, _ := pem.Decode([]byte(pemText))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("not a PUBLIC KEY block:\n%s", pemText)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tuf.CanonicalID(pub)
	if err != nil {
		t.Fatal(err)
	}
	if got != id {
		t.Errorf("public key has ID %s, want %s", got, id)
	}
}

// (d) notary key export bundles (encrypted, with path headers) import into
// trustvault, and trustvault's export bundles import into notary.
func TestInteropExportBundles(t *testing.T) {
	notary := tools.Notary(t)
	in := newInterop(t)
	notaryDir := filepath.Join(t.TempDir(), "notary")
	env := []string{
		"NOTARY_ROOT_PASSPHRASE=Bundle-root-1",
		"NOTARY_DELEGATION_PASSPHRASE=Bundle-delegation-1",
	}
	rootID := generatedID(t, in.run(env, notary, "-d", notaryDir, "key", "generate", "ecdsa", "--role", "root"))
	relID := generatedID(t, in.run(env, notary, "-d", notaryDir, "key", "generate", "ecdsa", "--role", "targets/releases"))
	bundle := filepath.Join(t.TempDir(), "notary-bundle.pem")
	in.run(nil, notary, "-d", notaryDir, "key", "export", "-o", bundle)
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("path: "+rootID)) || !bytes.Contains(data, []byte("ENCRYPTED PRIVATE KEY")) {
		t.Fatalf("notary's bundle is not what FORMAT.md §9 describes:\n%s", data)
	}

	// notary's bundle into trustvault.
	tvDir := filepath.Join(t.TempDir(), "trust")
	out := in.trustvault(tvDir, env, "import", bundle)
	for _, id := range []string{rootID, relID} {
		if !strings.Contains(out, id) {
			t.Errorf("trustvault import does not report key %s:\n%s", vault.ShortID(id), out)
		}
	}
	ours := in.list(tvDir)
	if ours[rootID].Role != "root" || ours[relID].Role != "targets/releases" {
		t.Errorf("after import trustvault lists %v", ours)
	}
	checkPublicKeyID(t, in.trustvault(tvDir, env, "export", "--public", rootID), rootID)

	// trustvault's bundle into notary: notary keeps encrypted blocks with a
	// path header as they are, and lists them.
	tvBundle := filepath.Join(t.TempDir(), "tv-bundle.pem")
	in.trustvault(tvDir, nil, "export", "--private", rootID, relID, "-o", tvBundle)
	fresh := filepath.Join(t.TempDir(), "fresh")
	in.run(env, notary, "-d", fresh, "key", "import", tvBundle)
	theirs := in.notaryList(notary, fresh)
	if theirs[rootID].role != "root" || theirs[relID].role != "targets/releases" {
		t.Errorf("notary lists trustvault's bundle as %v", theirs)
	}
	// And notary decrypts the hardened keys it imported.
	in.run(env, notary, "-d", fresh, "key", "passwd", rootID)
}

// docker trust key generate writes a key trustvault lists and decrypts, with
// the ID of the public key docker wrote beside it.
func TestInteropDockerTrustKeyGenerate(t *testing.T) {
	docker := tools.DockerTrust(t)
	in := newInterop(t)
	cfg := filepath.Join(t.TempDir(), "docker")
	pubDir := t.TempDir()
	env := []string{"DOCKER_CONFIG=" + cfg, "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE=Docker-pass-123"}
	in.run(env, docker, "trust", "key", "generate", "alice", "--dir", pubDir)

	pub, err := os.ReadFile(filepath.Join(pubDir, "alice.pub"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pub)
	if block == nil {
		t.Fatalf("docker's alice.pub is not PEM:\n%s", pub)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	id, err := tuf.CanonicalID(key)
	if err != nil {
		t.Fatal(err)
	}

	// trustvault finds the trust directory through DOCKER_CONFIG, as docker does.
	cmd := exec.Command(in.tv, "list", "--json")
	cmd.Env = passphraseFreeEnv("HOME="+in.home, "DOCKER_CONFIG="+cfg)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("trustvault list: %v", err)
	}
	var keys []listed
	if err := json.Unmarshal(out, &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].ID != id || keys[0].Role != "alice" || keys[0].GUN != "" {
		t.Fatalf("trustvault lists %+v; want one alice key %s", keys, id)
	}
	got := in.trustvault(filepath.Join(cfg, "trust"), env, "export", "--public", id)
	if got != string(pub) {
		t.Errorf("trustvault's public key differs from docker's alice.pub:\n%s\nwant:\n%s", got, pub)
	}
	// And passwd rewrites it.
	in.trustvault(filepath.Join(cfg, "trust"), append(env, "TRUSTVAULT_NEW_PASSPHRASE=Docker-pass-456-Kq7Zr2Vm9Tx4Lp"), "passwd", id)
}
