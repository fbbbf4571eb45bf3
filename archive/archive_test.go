package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustvault/trustvault/archive"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

var when = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const keyA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
const keyB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

func sampleFiles() []archive.File {
	return []archive.File{
		{Name: "private/" + keyA + ".key", Data: []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: root\n\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), ModTime: when.Add(-time.Hour)},
		{Name: "private/" + keyB + ".key", Data: []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: targets\ngun: docker.io/acme/app\n\nBBBB\n-----END ENCRYPTED PRIVATE KEY-----\n"), ModTime: when.Add(-2 * time.Hour)},
		{Name: "private/root_keys/" + keyA + "_root.key", Data: []byte("legacy")},
		{Name: "tuf/docker.io/acme/app/metadata/root.json", Data: []byte(`{"signed":{}}`)},
	}
}

func sample(t testing.TB) ([]byte, *archive.Manifest) {
	t.Helper()
	data, m, err := archive.Build(sampleFiles(), archive.BuildOptions{
		Version: "test", Created: when, UID: 1000, GID: 1000,
		Keys: []archive.Key{{ID: keyA, Role: "root", Entry: "private/" + keyA + ".key"}, {ID: keyB, Role: "targets", GUN: "docker.io/acme/app", Entry: "private/" + keyB + ".key"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return data, m
}

func TestBuildOpenRoundTrip(t *testing.T) {
	data, m := sample(t)
	if len(m.Entries) != 4 || m.Format != archive.Format || !m.Created.Equal(when) {
		t.Fatalf("manifest %+v", m)
	}
	a, err := archive.Open(data, nil, archive.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != archive.KindTrustvault || a.Encrypted || len(a.Files) != 4 || a.SHA256 != archive.SHA256(data) {
		t.Fatalf("archive %+v", a)
	}
	compareWithGNUTar(t, data)
	for i, f := range sampleFiles() {
		_ = i
		found := false
		for _, g := range a.Files {
			if g.Name == f.Name && bytes.Equal(g.Data, f.Data) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s lost", f.Name)
		}
	}
	if strings.Join(a.Dirs, " ") != "private private/root_keys tuf tuf/docker.io tuf/docker.io/acme tuf/docker.io/acme/app tuf/docker.io/acme/app/metadata" {
		t.Errorf("dirs %q", a.Dirs)
	}
	// Headers: fixed modes, numeric owner, no names; the manifest first
	// after the directories.
	tr := tarOf(t, data)
	first := ""
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		want := int64(0o600)
		if h.Typeflag == tar.TypeDir {
			want = 0o700
		} else if first == "" {
			first = h.Name
		}
		if h.Mode != want || h.Uid != 1000 || h.Uname != "" {
			t.Errorf("%s: mode %o uid %d uname %q", h.Name, h.Mode, h.Uid, h.Uname)
		}
	}
	if first != archive.ManifestName {
		t.Errorf("first file %s, want the manifest", first)
	}
}

func tarOf(t testing.TB, data []byte) *tar.Reader {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return tar.NewReader(gz)
}

func TestEncryptedRoundTrip(t *testing.T) {
	data, _ := sample(t)
	enc, err := archive.Encrypt(data, []byte("correct horse battery staple"), 10)
	if err != nil {
		t.Fatal(err)
	}
	if !archive.IsEncrypted(enc) || archive.IsEncrypted(data) {
		t.Fatal("IsEncrypted")
	}
	if _, err := archive.Open(enc, nil, archive.DefaultLimits()); !errors.Is(err, archive.ErrNeedPassphrase) {
		t.Errorf("no passphrase: %v", err)
	}
	wrong := func() ([]byte, error) { return []byte("wrong"), nil }
	if _, err := archive.Open(enc, wrong, archive.DefaultLimits()); !errors.Is(err, archive.ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	right := func() ([]byte, error) { return []byte("correct horse battery staple"), nil }
	a, err := archive.Open(enc, right, archive.DefaultLimits())
	if err != nil || !a.Encrypted || len(a.Files) != 4 {
		t.Fatalf("%v %+v", err, a)
	}
	// Truncated: damaged, not a wrong passphrase.
	if _, err := archive.Open(enc[:len(enc)-100], right, archive.DefaultLimits()); !errors.Is(err, archive.ErrDamaged) {
		t.Errorf("truncated: %v", err)
	}
}

func TestExtract(t *testing.T) {
	data, _ := sample(t)
	a, err := archive.Open(data, nil, archive.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "trust")
	res, err := archive.Extract(dir, a, archive.ExtractOptions{Now: when})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 4 {
		t.Errorf("written %q", res.Written)
	}
	for _, f := range sampleFiles() {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %o", f.Name, fi.Mode().Perm())
		}
		if !f.ModTime.IsZero() && !fi.ModTime().Equal(f.ModTime) {
			t.Errorf("%s mtime %v, want %v", f.Name, fi.ModTime(), f.ModTime)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "private")); fi.Mode().Perm() != 0o700 {
		t.Errorf("private/ mode %o", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dir, "trustvault", "manifest.json")); err == nil {
		t.Error("the manifest was restored")
	}
	// Again: everything identical.
	res, err = archive.Extract(dir, a, archive.ExtractOptions{Now: when})
	if err != nil || len(res.Identical) != 4 || len(res.Written) != 0 {
		t.Fatalf("second extract: %v %+v", err, res)
	}
	// A key that differs (a passphrase changed since): refused, nothing
	// written; kept both; or overwritten with the old one moved aside.
	keyPath := filepath.Join(dir, "private", keyA+".key")
	if err := os.WriteFile(keyPath, []byte("changed"), 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *archive.ConflictError
	if _, err := archive.Extract(dir, a, archive.ExtractOptions{Now: when}); !errors.As(err, &ce) || ce.Conflicts[0].Name != "private/"+keyA+".key" {
		t.Fatalf("conflict: %v", err)
	}
	if b, _ := os.ReadFile(keyPath); string(b) != "changed" {
		t.Error("a conflicting key was overwritten")
	}
	res, err = archive.Extract(dir, a, archive.ExtractOptions{Now: when, Conflict: archive.ConflictKeepBoth})
	if err != nil || len(res.Conflicts) != 1 {
		t.Fatal(err, res)
	}
	if b, _ := os.ReadFile(keyPath + ".restored-20260301T120000Z"); !bytes.Equal(b, sampleFiles()[0].Data) {
		t.Error("keep-both did not write the backup's copy beside")
	}
	res, err = archive.Extract(dir, a, archive.ExtractOptions{Now: when, Conflict: archive.ConflictOverwrite})
	if err != nil || len(res.Conflicts) != 1 {
		t.Fatal(err, res)
	}
	if b, _ := os.ReadFile(keyPath); !bytes.Equal(b, sampleFiles()[0].Data) {
		t.Error("overwrite did not restore")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "trustvault", "pre-restore-20260301T120000Z", "private", keyA+".key")); string(b) != "changed" {
		t.Error("overwrite did not keep the local file aside")
	}
}

func TestExtractRefusesLinksInTheWay(t *testing.T) {
	data, _ := sample(t)
	a, _ := archive.Open(data, nil, archive.DefaultLimits())
	outside := t.TempDir()
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "private")); err != nil {
		t.Fatal(err)
	}
	if _, err := archive.Extract(dir, a, archive.ExtractOptions{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("extract through a symlinked private/: %v", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("wrote outside: %v", entries)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("wrote something: %v", entries)
	}
}

// TestDockerTar: an archive made as docker documents it (members under
// home/<user>/.docker/trust/private/) maps to private/.
func TestDockerTar(t *testing.T) {
	data := craft(t, []ent{
		{name: "home/alice/.docker/trust/private/", typ: tar.TypeDir},
		{name: "home/alice/.docker/trust/private/" + keyA + ".key", body: "key a", mode: 0o644},
		{name: "home/alice/.docker/trust/private/tuf_keys/docker.io/private/app/" + keyB + "_targets.key", body: "key b"},
	})
	a, err := archive.Open(data, nil, archive.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != archive.KindTar || a.Manifest != nil {
		t.Fatalf("%+v", a)
	}
	compareWithGNUTar(t, data)
	got := []string{}
	for _, f := range a.Files {
		got = append(got, f.Name)
	}
	want := "private/" + keyA + ".key private/tuf_keys/docker.io/private/app/" + keyB + "_targets.key"
	if strings.Join(got, " ") != want {
		t.Errorf("files %q, want %q", got, want)
	}
}

// ent is one entry of a crafted archive.
type ent struct {
	name     string
	typ      byte
	body     string
	mode     int64
	size     int64 // declared, when not len(body)
	linkname string
}

func craft(t testing.TB, entries []ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		size := int64(len(e.body))
		if typ != tar.TypeReg {
			size = 0
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o600, Size: size, Linkname: e.linkname, ModTime: when, Format: tar.FormatPAX}
		if e.mode != 0 {
			h.Mode = e.mode
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func manifestFor(t testing.TB, files map[string]string, lie func(*archive.Manifest)) string {
	var fs []archive.File
	for n, b := range files {
		fs = append(fs, archive.File{Name: n, Data: []byte(b)})
	}
	_, m, err := archive.Build(fs, archive.BuildOptions{Created: when})
	if err != nil {
		t.Fatal(err)
	}
	if lie != nil {
		lie(m)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"format":%q,"trustvault_version":"x","created":"2026-03-01T12:00:00Z","keys":[`, m.Format)
	for i, k := range m.Keys {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%q,"entry":%q}`, k.ID, k.Entry)
	}
	b.WriteString(`],"entries":[`)
	for i, e := range m.Entries {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name":%q,"size":%d,"sha256":%q}`, e.Name, e.Size, e.SHA256)
	}
	b.WriteString("]}")
	return b.String()
}

var bomb = sync.OnceValue(makeBomb)

func gzipBomb(testing.TB) []byte { return bomb() }

func makeBomb() []byte {
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "private/" + keyA + ".key", Typeflag: tar.TypeReg, Mode: 0o600, Size: 4})
	tw.Write([]byte("key\n"))
	tw.Close()
	zeros := make([]byte, 1<<20)
	for i := 0; i < 300; i++ { // 300 MiB of zeros after the end marker
		gz.Write(zeros)
	}
	gz.Close()
	return buf.Bytes()
}

// maliciousCorpus is every archive the reader must refuse, with the error
// it must give.
func maliciousCorpus(t testing.TB) []struct {
	name string
	data []byte
	want error
} {
	key := "private/" + keyA + ".key"
	okManifest := manifestFor(t, map[string]string{key: "key"}, nil)
	huge := &bytes.Buffer{}
	{
		gz := gzip.NewWriter(huge)
		tw := tar.NewWriter(gz)
		tw.WriteHeader(&tar.Header{Name: key, Typeflag: tar.TypeReg, Mode: 0o600, Size: 1<<33 - 1}) // the most ustar holds
		gz.Flush()
		gz.Close() // the data never comes: refused from the header alone
	}
	random := make([]byte, 4096)
	rand.Read(random)
	return []struct {
		name string
		data []byte
		want error
	}{
		{"dot-dot", craft(t, []ent{{name: "private/../../.bashrc", body: "x"}}), archive.ErrUnsafe},
		{"dot-dot at the start", craft(t, []ent{{name: "../private/" + keyA + ".key", body: "x"}}), archive.ErrUnsafe},
		{"absolute", craft(t, []ent{{name: "/etc/cron.d/evil", body: "x"}}), archive.ErrUnsafe},
		{"backslash", craft(t, []ent{{name: `private\..\..\evil`, body: "x"}}), archive.ErrUnsafe},
		{"symlink", craft(t, []ent{{name: "private/" + keyA + ".key", typ: tar.TypeSymlink, linkname: "/etc/shadow"}}), archive.ErrUnsafe},
		{"symlinked directory", craft(t, []ent{{name: "private", typ: tar.TypeSymlink, linkname: "/tmp"}, {name: key, body: "x"}}), archive.ErrUnsafe},
		{"hard link", craft(t, []ent{{name: key, typ: tar.TypeLink, linkname: "/etc/passwd"}}), archive.ErrUnsafe},
		{"character device", craft(t, []ent{{name: "private/null", typ: tar.TypeChar}}), archive.ErrUnsafe},
		{"block device", craft(t, []ent{{name: "private/sda", typ: tar.TypeBlock}}), archive.ErrUnsafe},
		{"FIFO", craft(t, []ent{{name: "private/fifo", typ: tar.TypeFifo}}), archive.ErrUnsafe},
		{"huge entry", huge.Bytes(), archive.ErrTooLarge},
		{"gzip bomb after the end marker", gzipBomb(t), archive.ErrTooLarge},
		{"duplicate names", craft(t, []ent{{name: key, body: "one"}, {name: key, body: "two"}}), archive.ErrUnsafe},
		{"duplicate through ./", craft(t, []ent{{name: key, body: "one"}, {name: "./" + key, body: "two"}}), archive.ErrUnsafe},
		{"file and directory", craft(t, []ent{{name: "private/x", body: "file"}, {name: "private/x/" + keyA + ".key", body: "x"}}), archive.ErrUnsafe},
		{"outside private/", craft(t, []ent{{name: "home/alice/.bashrc", body: "x"}}), archive.ErrUnsafe},
		{"trustvault archive outside private/ and tuf/", craft(t, []ent{{name: archive.ManifestName, body: manifestFor(t, map[string]string{"etc/x": "x"}, nil)}, {name: "etc/x", body: "x"}}), archive.ErrUnsafe},
		{"lying manifest: digest", craft(t, []ent{{name: archive.ManifestName, body: okManifest}, {name: key, body: "KEY"}}), archive.ErrManifest},
		{"lying manifest: missing entry", craft(t, []ent{{name: archive.ManifestName, body: manifestFor(t, map[string]string{key: "key", "private/" + keyB + ".key": "b"}, nil)}, {name: key, body: "key"}}), archive.ErrManifest},
		{"lying manifest: extra entry", craft(t, []ent{{name: archive.ManifestName, body: okManifest}, {name: key, body: "key"}, {name: "private/" + keyB + ".key", body: "b"}}), archive.ErrManifest},
		{"lying manifest: key label", craft(t, []ent{{name: archive.ManifestName, body: manifestFor(t, map[string]string{key: "key"}, func(m *archive.Manifest) {
			m.Keys = []archive.Key{{ID: keyB, Entry: "private/" + keyB + ".key"}}
		})}, {name: key, body: "key"}}), archive.ErrManifest},
		{"two manifests", craft(t, []ent{{name: archive.ManifestName, body: okManifest}, {name: "./" + archive.ManifestName, body: okManifest}, {name: key, body: "key"}}), archive.ErrUnsafe},
		{"not gzip", random, archive.ErrDamaged},
		{"truncated", truncated(t), archive.ErrDamaged},
		{"empty tar", craft(t, nil), archive.ErrDamaged},
	}
}

func truncated(t testing.TB) []byte {
	data, _ := sample(t)
	return data[:len(data)*2/3]
}

// TestMaliciousArchives: each is refused by Open, so a restore writes
// nothing.
func TestMaliciousArchives(t *testing.T) {
	for _, tc := range maliciousCorpus(t) {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := restore(dir, tc.data)
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("wrote %v", entries)
			}
		})
	}
}

// restore is what a restore does: validate everything, then extract.
func restore(dir string, data []byte) error {
	a, err := archive.Open(data, nil, archive.DefaultLimits())
	if err != nil {
		return err
	}
	_, err = archive.Extract(dir, a, archive.ExtractOptions{})
	return err
}

func TestLimits(t *testing.T) {
	data, _ := sample(t)
	for _, tc := range []struct {
		name string
		lim  func(*archive.Limits)
	}{
		{"archive", func(l *archive.Limits) { l.Archive = 100 }},
		{"entries", func(l *archive.Limits) { l.Entries = 3 }},
		{"entry", func(l *archive.Limits) { l.Entry = 10 }},
		{"total", func(l *archive.Limits) { l.Total = 100 }},
	} {
		lim := archive.DefaultLimits()
		tc.lim(&lim)
		if _, err := archive.Open(data, nil, lim); !errors.Is(err, archive.ErrTooLarge) {
			t.Errorf("%s limit: %v", tc.name, err)
		}
	}
}

// FuzzOpen: whatever Open accepts is safe to extract, and, where GNU tar
// is installed, GNU tar lists exactly the entries the reader read (tar
// runs only on accepted inputs, which are few, so iterations stay fast).
func FuzzOpen(f *testing.F) {
	data, _ := sample(f)
	f.Add(data)
	for _, tc := range maliciousCorpus(f) {
		if len(tc.data) < 1<<16 {
			f.Add(tc.data)
		}
	}
	for _, tc := range dialectCases(f) {
		f.Add(tc.data)
	}
	tarBin, _ := tools.LookGNUTar() // without GNU tar, no comparison
	lim := archive.Limits{Archive: 1 << 20, Entry: 1 << 16, Total: 1 << 20, Entries: 1000}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := archive.Open(data, func() ([]byte, error) { return []byte("p"), nil }, lim)
		if err != nil {
			return
		}
		// Whatever is accepted is safe to extract.
		for _, f := range a.Files {
			if !filepath.IsLocal(f.Name) || strings.Contains(f.Name, "..") {
				t.Fatalf("accepted %q", f.Name)
			}
			if !strings.HasPrefix(f.Name, "private/") && !strings.HasPrefix(f.Name, "tuf/") {
				t.Fatalf("accepted %q outside private/ and tuf/", f.Name)
			}
		}
		if tarBin == "" || a.Encrypted {
			return
		}
		got, err := gnuTarNames(t, tarBin, data, true)
		if err != nil {
			t.Fatalf("accepted, but GNU tar: %v", err)
		}
		want, err := archive.EntryNames(data, lim)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("GNU tar lists\n%q\nthe reader read\n%q", got, want)
		}
	})
}
