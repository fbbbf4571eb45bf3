package ui

import (
	"crypto/ecdsa"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/migrate"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// cosignPass is the new passphrase the export tests choose.
const cosignPass = "Fq9-Zt4m-Lw2x-Rk7p-Hy3c-V"

// setDir replaces the text of the focused field (the directory) with dir.
func setDir(m *Model, f *form, dir string) {
	for range len([]rune(f.text(fieldPath))) {
		press(m, "backspace")
	}
	typeText(m, dir)
}

// typeNewPassphrase gives the chooser a typed passphrase and its confirmation.
func typeNewPassphrase(t *testing.T, m *Model, ch *passphraseChooser, pass string) {
	t.Helper()
	press(m, "tab", "tab") // words → characters → type your own
	typeText(m, pass)
	press(m, "enter")
	if ch.step != stepConfirm {
		t.Fatalf("typed passphrase: step %v, note %q", ch.step, ch.note)
	}
	typeText(m, pass)
	press(m, "enter")
}

// TestCosignExportFlow drives m on a key page: a wrong passphrase and a
// directory that holds files are refused at the form, nothing written;
// then the right ones, the COSIGN label, a new passphrase from the
// chooser; cosign.key (0600) and cosign.pub (0644) are written, the key
// decrypts under the new passphrase to the DCT key, the page says what
// cosign will do (Rekor, --tlog-upload=false), no file holds the key in
// the clear, and the real cosign signs and verifies with the pair.
func TestCosignExportFlow(t *testing.T) {
	info, s := demoStore(t)
	id := info.RootKeys[0]
	work := t.TempDir()
	full := filepath.Join(work, "full")
	vaulttest.WriteFile(t, filepath.Join(full, "x"), []byte("x"))
	out := filepath.Join(work, "cos")

	m := openKey(t, s, id)
	kp := m.active().(*keyPage)
	press(m, "m")
	p, ok := m.active().(*cosignExportPage)
	if !ok || p.step != cosignForm || !p.Capturing() {
		t.Fatalf("m opened %T", m.active())
	}
	// A wrong passphrase: asked again, the directory kept.
	typeText(m, "not-the-passphrase")
	press(m, "enter")
	setDir(m, p.form, out)
	press(m, "enter")
	if p.step != cosignForm || !strings.Contains(p.form.msg, "Wrong passphrase") || p.form.text(fieldPath) != out {
		t.Fatalf("wrong passphrase: step %v, msg %q, dir %q", p.step, p.form.msg, p.form.text(fieldPath))
	}
	// A directory that holds files: refused, left alone.
	typeText(m, demo.Passphrase)
	press(m, "enter")
	setDir(m, p.form, full)
	press(m, "enter")
	if p.step != cosignForm || !strings.Contains(p.form.msg, "is not empty") {
		t.Fatalf("full directory: step %v, msg %q", p.step, p.form.msg)
	}
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Fatalf("the full directory changed: %v", entries)
	}
	press(m, "tab") // back to the passphrase, which was emptied
	typeText(m, demo.Passphrase)
	press(m, "enter")
	setDir(m, p.form, out)
	press(m, "enter")
	if p.step != cosignLabel {
		t.Fatalf("right passphrase: step %v, msg %q", p.step, p.form.msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("the directory was made before the new passphrase was chosen")
	}
	press(m, "down", "enter") // COSIGN, for cosign 2.0.0 and older
	if p.step != cosignNew {
		t.Fatalf("label: step %v", p.step)
	}
	typeNewPassphrase(t, m, p.ch, cosignPass)
	if p.step != cosignDone {
		t.Fatalf("after the passphrase: step %v, why %q", p.step, p.why)
	}

	keyPath, pubPath := filepath.Join(out, "cosign.key"), filepath.Join(out, "cosign.pub")
	checkModes(t, map[string]os.FileMode{keyPath: 0o600, pubPath: 0o644})
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pem.Decode(keyPEM); b == nil || b.Type != migrate.CosignPEMType {
		t.Fatalf("cosign.key is not %q:\n%s", migrate.CosignPEMType, keyPEM)
	}
	dct, err := s.Unlock(id, once([]byte(demo.Passphrase)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := migrate.DecodeCosignKey(keyPEM, []byte(cosignPass))
	if err != nil {
		t.Fatalf("cosign.key does not open with the new passphrase: %v", err)
	}
	if !got.(*ecdsa.PrivateKey).Equal(dct.Signer) {
		t.Fatal("cosign.key holds another key than the DCT key")
	}
	if cid, _ := tuf.CanonicalID(got.(*ecdsa.PrivateKey).Public()); cid != id {
		t.Fatalf("canonical ID %s, want %s", cid, id)
	}
	view := squash(screen(m))
	for _, want := range []string{"Wrote " + keyPath, "PUBLIC Rekor", "--tlog-upload=false", "cosign sign --key " + keyPath + " IMAGE"} {
		if !strings.Contains(view, squash(want)) {
			t.Errorf("the page lacks %q:\n%s", want, screen(m))
		}
	}
	if strings.Contains(screen(m), cosignPass) || strings.Contains(screen(m), demo.Passphrase) {
		t.Error("a passphrase is on the screen")
	}
	for _, dir := range []string{work, s.Dir()} {
		for _, f := range vaulttest.PlaintextKeyFiles(t, dir, dct.Signer.(*ecdsa.PrivateKey)) {
			t.Errorf("%s holds the private key in the clear", f)
		}
	}
	press(m, "esc")
	if m.active() != kp {
		t.Fatalf("esc went to %T", m.active())
	}
	cosignSignsWith(t, out)
}

func checkModes(t *testing.T, want map[string]os.FileMode) {
	t.Helper()
	for path, mode := range want {
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: %v, mode %v, want %v", path, err, st, mode)
		}
	}
}

// cosignSignsWith signs a blob with dir/cosign.key with the real cosign
// (no Rekor upload) and verifies it with dir/cosign.pub, and not another
// blob.
func cosignSignsWith(t *testing.T, dir string) {
	t.Helper()
	bin := tools.Cosign(t)
	run := func(pass string, args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "COSIGN_PASSWORD=" + pass, "TUF_ROOT=" + filepath.Join(dir, ".sigstore")}
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	vaulttest.WriteFile(t, filepath.Join(dir, "blob"), []byte("release 1.0\n"))
	vaulttest.WriteFile(t, filepath.Join(dir, "other"), []byte("release 1.1\n"))
	if out, err := run(cosignPass, "sign-blob", "--key", "cosign.key", "--tlog-upload=false", "--use-signing-config=false", "--bundle", "B", "--yes", "blob"); err != nil {
		t.Fatalf("cosign sign-blob with the exported key: %v\n%s", err, out)
	}
	if out, err := run("", "verify-blob", "--key", "cosign.pub", "--insecure-ignore-tlog", "--bundle", "B", "blob"); err != nil || !strings.Contains(out, "Verified OK") {
		t.Fatalf("cosign verify-blob: %v\n%s", err, out)
	}
	if out, err := run("", "verify-blob", "--key", "cosign.pub", "--insecure-ignore-tlog", "--bundle", "B", "other"); err == nil {
		t.Fatalf("cosign verified the signature for another blob:\n%s", out)
	}
}

// TestCosignExportRefusesEd25519: an Ed25519 key is refused with the
// reason once it is unlocked, and nothing is written.
func TestCosignExportRefusesEd25519(t *testing.T) {
	_, s := demoStore(t)
	k, err := s.Generate("targets", "registry.example.com/acme/ed", "ed25519", once([]byte(demo.Passphrase)))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cos")
	m := openKey(t, s, k.ID)
	press(m, "m")
	p := m.active().(*cosignExportPage)
	typeText(m, demo.Passphrase)
	press(m, "enter")
	setDir(m, p.form, out)
	press(m, "enter")
	if p.step != cosignRefused || !strings.Contains(p.why, "Ed25519 keys are not exported to cosign") {
		t.Fatalf("Ed25519: step %v, why %q", p.step, p.why)
	}
	if !strings.Contains(squash(screen(m)), squash("Nothing was written")) {
		t.Errorf("the page does not say nothing was written:\n%s", screen(m))
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a directory was made for a refused key")
	}
}

// TestCosignExportGolden: the form, the label choice and a refusal, as
// they look.
func TestCosignExportGolden(t *testing.T) {
	info, s := sharedDemo(t)
	snap := relocated(t, s)
	root := info.RootKeys[0]
	open := func(m *Model) {
		deliver(m, keySelectedMsg{ref: keyRef{id: root, location: vault.LocationFile}})
		press(m, "m")
	}
	goldenScreens(t, s, snap, []goldenCase{
		{"form", open},
		{"label", func(m *Model) {
			open(m)
			p := m.active().(*cosignExportPage)
			p.form.reset()
			p.step = cosignLabel // as after a checked passphrase
		}},
		{"refused", func(m *Model) {
			ed := vault.Key{ID: root, Role: "targets", GUN: "registry.example.com/acme/ed", Algorithm: "ed25519"}
			np, cmd := newCosignExportPage(m.c, ed)
			deliver(m, pageOpenedMsg{p: np, init: cmd})
		}},
	})
}
