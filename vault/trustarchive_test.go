package vault_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
)

// These are the archive's bytes only: the metadata is not verified here
// (remote.VerifyBundle does that; the cmd tests verify real metadata from
// a real notary server read back from a trust archive).
func sampleBundles() []vault.TrustBundle {
	when := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	return []vault.TrustBundle{
		{GUN: "registry.test/team/app", Server: "https://127.0.0.1:4443", Gathered: when, RootVersion: 2,
			TimestampVersion: 7, TimestampExpires: when.Add(14 * 24 * time.Hour),
			Files: map[string][]byte{
				"root.json": []byte(`{"root":2}`), "1.root.json": []byte(`{"root":1}`), "2.root.json": []byte(`{"root":2}`),
				"timestamp.json": []byte(`{"ts":7}`), "snapshot.json": []byte(`{"snap":1}`), "targets.json": []byte(`{"t":1}`),
				"targets/releases.json": []byte(`{"r":1}`), "targets/alice/bob.json": []byte(`{"b":1}`),
			}},
		{GUN: "registry.test/other", Gathered: when, Files: map[string][]byte{"root.json": []byte(`{}`), "timestamp.json": []byte(`{}`)}},
	}
}

func TestTrustArchiveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trust.tar.gz")
	in := sampleBundles()
	ta, err := vault.WriteTrustArchive(path, in, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ta.Sidecar != path+".sha256" || ta.Manifest == nil || ta.Manifest.Format != vault.TrustArchiveFormat {
		t.Fatalf("archive %+v", ta)
	}
	if got := ta.GUNs(); !slices.Equal(got, []string{"registry.test/team/app", "registry.test/other"}) {
		t.Errorf("GUNs %v", got)
	}
	b, ok := ta.Bundle("registry.test/team/app")
	if !ok || len(b.Files) != len(in[0].Files) || b.RootVersion != 2 || b.Server != in[0].Server {
		t.Fatalf("bundle %+v", b)
	}
	for name, data := range in[0].Files {
		if string(b.Files[name]) != string(data) {
			t.Errorf("%s: %q, want %q", name, b.Files[name], data)
		}
	}
	for _, p := range []string{path, path + ".sha256"} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", p, err, st)
		}
	}

	// An archive is never overwritten.
	if _, err := vault.WriteTrustArchive(path, in, time.Now()); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second write over the archive: %v", err)
	}

	// GNU tar lists and extracts it: notary's cache layout, the sidecar
	// checks with sha256sum.
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("no tar")
	}
	out, err := exec.Command("tar", "-tzf", path).CombinedOutput()
	if err != nil {
		t.Fatalf("tar -tzf: %v\n%s", err, out)
	}
	for _, want := range []string{"tuf/archive.json", "tuf/registry.test/team/app/metadata/2.root.json", "tuf/registry.test/team/app/metadata/targets/alice/bob.json", "trustvault/manifest.json"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("tar -t lacks %s:\n%s", want, out)
		}
	}
	x := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", path, "-C", x).CombinedOutput(); err != nil {
		t.Fatalf("tar -xzf: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(x, "tuf/registry.test/team/app/metadata/targets/releases.json"))
	if err != nil || string(got) != `{"r":1}` {
		t.Errorf("extracted releases.json: %q %v", got, err)
	}
	cmd := exec.Command("sha256sum", "-c", filepath.Base(path)+".sha256")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
}

func TestTrustArchiveRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trust.tar.gz")
	if _, err := vault.WriteTrustArchive(path, sampleBundles(), time.Now()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)

	// One bit changed: the sidecar says so. The bit is one whose change
	// reaches the content: a deflate stream has bits a decoder ignores
	// (about one flip in fifty in the middle of this archive), and a flip
	// there leaves the archive as it was.
	bad := changedContent(t, data)
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.ReadTrustArchive(path, nil); err == nil || !strings.Contains(err.Error(), "sha256 says") {
		t.Errorf("changed archive: %v", err)
	}
	// Without the sidecar, the gzip or the manifest digests catch it.
	os.Remove(path + ".sha256")
	if _, err := vault.ReadTrustArchive(path, nil); err == nil {
		t.Error("changed archive without its sidecar read back")
	}
	// Nothing to read: a clear error naming the file.
	if _, err := vault.ReadTrustArchive(filepath.Join(dir, "none.tar.gz"), nil); err == nil || !strings.Contains(err.Error(), "none.tar.gz") {
		t.Errorf("missing archive: %v", err)
	}
}

func TestWriteTrustArchiveRefusesBadNames(t *testing.T) {
	for name, b := range map[string]vault.TrustBundle{
		"gun with ..":       {GUN: "registry.test/../x", Files: map[string][]byte{"root.json": nil}},
		"file outside":      {GUN: "registry.test/x", Files: map[string][]byte{"../root.json": nil}},
		"file not json":     {GUN: "registry.test/x", Files: map[string][]byte{"root.txt": nil}},
		"gun with a space":  {GUN: "registry.test/a b", Files: map[string][]byte{"root.json": nil}},
		"absolute gun path": {GUN: "/etc", Files: map[string][]byte{"root.json": nil}},
	} {
		path := filepath.Join(t.TempDir(), "a.tar.gz")
		if _, err := vault.WriteTrustArchive(path, []vault.TrustBundle{b}, time.Now()); err == nil {
			t.Errorf("%s: written", name)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a file was left: %v", name, err)
		}
	}
}

func TestParseTrustManifest(t *testing.T) {
	good := `{"format":"trustvault-trust-archive/1","trustvault_version":"x","created":"2026-01-01T00:00:00Z","repositories":[{"gun":"r.test/a","gathered":"2026-01-01T00:00:00Z","root_version":1,"timestamp_version":1,"timestamp_expires":"2026-01-15T00:00:00Z","files":["root.json","targets/a.json"]}]}`
	if _, err := vault.ParseTrustManifest([]byte(good)); err != nil {
		t.Fatalf("good manifest: %v", err)
	}
	for name, doc := range map[string]string{
		"other format": strings.Replace(good, "trust-archive/1", "trust-archive/9", 1),
		"unknown key":  strings.Replace(good, `"format"`, `"extra":1,"format"`, 1),
		"bad gun":      strings.Replace(good, `r.test/a`, `r.test/../a`, 1),
		"bad file":     strings.Replace(good, `targets/a.json`, `../a.json`, 1),
		"file twice":   strings.Replace(good, `"targets/a.json"`, `"root.json"`, 1),
		"no repos":     `{"format":"trustvault-trust-archive/1","repositories":[]}`,
		"not json":     `{"format":`,
	} {
		if _, err := vault.ParseTrustManifest([]byte(doc)); !errors.Is(err, vault.ErrArchiveManifest) {
			t.Errorf("%s: %v, want ErrArchiveManifest", name, err)
		}
	}
}

func FuzzParseTrustManifest(f *testing.F) {
	f.Add([]byte(`{"format":"trustvault-trust-archive/1","repositories":[{"gun":"r.test/a","files":["root.json"]}]}`))
	f.Add([]byte(`{"format":"trustvault-trust-archive/1","repositories":[{"gun":"a/../b","files":["x/../../y.json"]}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := vault.ParseTrustManifest(data)
		if err != nil {
			return
		}
		// What it accepts names only files below tuf/<gun>/metadata/.
		for _, b := range m.Repositories {
			for _, name := range b.FileNames {
				p := filepath.Join("tuf", filepath.FromSlash(b.GUN), "metadata", filepath.FromSlash(name))
				if !filepath.IsLocal(p) || !strings.HasPrefix(filepath.Clean(p), filepath.Join("tuf", filepath.FromSlash(b.GUN), "metadata")+string(filepath.Separator)) {
					t.Fatalf("accepted %q / %q", b.GUN, name)
				}
			}
		}
	})
}

// changedContent flips one bit, from the middle of the gzip stream on,
// that changes what the stream decompresses to (or makes it undecodable).
func changedContent(t *testing.T, gz []byte) []byte {
	t.Helper()
	plain := func(b []byte) ([]byte, error) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	}
	orig, err := plain(gz)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(gz) / 2; i < len(gz); i++ {
		bad := slices.Clone(gz)
		bad[i] ^= 1
		if got, err := plain(bad); err != nil || !bytes.Equal(got, orig) {
			return bad
		}
	}
	t.Fatal("no bit in the second half changes the content")
	return nil
}
