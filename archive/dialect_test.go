package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/archive"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// The tar format's magic and version fields.
const (
	magicUSTAR = "ustar\x0000"
	magicGNU   = "ustar  \x00"
)

// rawHdr is one header block to write byte by byte, whatever Go's
// archive/tar would make of it.
type rawHdr struct {
	name, prefix, link string
	typ                byte
	size               int64
	magic              string
	body               []byte // written after the header, padded
}

func (h rawHdr) block() []byte {
	b := make([]byte, 512)
	copy(b[0:100], h.name)
	copy(b[100:108], "0000600\x00")
	copy(b[108:116], "0001750\x00")
	copy(b[116:124], "0001750\x00")
	copy(b[124:136], fmt.Sprintf("%011o\x00", h.size))
	copy(b[136:148], "15000000000\x00")
	b[156] = h.typ
	copy(b[157:257], h.link)
	copy(b[257:265], h.magic)
	copy(b[345:500], h.prefix)
	copy(b[148:156], "        ")
	var sum int
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

// rawTar gzips headers and bodies, and the end marker, then tail.
func rawTar(hs []rawHdr, tail []byte) []byte {
	var t bytes.Buffer
	for _, h := range hs {
		if h.magic == "" {
			h.magic = magicUSTAR
		}
		if h.body != nil && h.size == 0 {
			h.size = int64(len(h.body))
		}
		t.Write(h.block())
		t.Write(h.body)
		if pad := len(h.body) % 512; pad != 0 {
			t.Write(make([]byte, 512-pad))
		}
	}
	t.Write(make([]byte, 1024))
	t.Write(tail)
	var z bytes.Buffer
	gz := gzip.NewWriter(&z)
	gz.Write(t.Bytes())
	gz.Close()
	return z.Bytes()
}

func paxRec(k, v string) string {
	n := len(k) + len(v) + 3
	for len(fmt.Sprint(n))+len(k)+len(v)+3 != n {
		n = len(fmt.Sprint(n)) + len(k) + len(v) + 3
	}
	return fmt.Sprintf("%d %s=%s\n", n, k, v)
}

const dockerDir = "home/alice/.docker/trust/private/"

type dialectCase struct {
	name string
	data []byte
	why  string
}

// dialectCases are archives outside the dialect, and why.
func dialectCases(t testing.TB) []dialectCase {
	key := "private/" + keyA + ".key"
	longKey := dockerDir + keyA + ".key" // 101 bytes: GNU tar writes an 'L'
	body := []byte("key")
	return []dialectCase{
		{"GNU long name and PAX path disagree", rawTar([]rawHdr{
			{name: "././@LongLink", typ: 'L', body: []byte(longKey + "\x00"), magic: magicGNU},
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("path", "../../.ssh/authorized_keys"))},
			{name: longKey[:100], typ: '0', body: body, magic: magicGNU},
		}, nil), "both POSIX ustar and GNU headers"},
		{"PAX header in GNU format", rawTar([]rawHdr{
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("path", "../evil")), magic: magicGNU},
			{name: dockerDir + keyA + ".key", typ: '0', body: body, magic: magicGNU},
		}, nil), "a PAX extended header in a GNU archive"},
		{"GNU long name in ustar format", rawTar([]rawHdr{
			{name: "././@LongLink", typ: 'L', body: []byte("../evil\x00")},
			{name: key, typ: '0', body: body},
		}, nil), "a GNU long name in a POSIX ustar archive"},
		{"PAX path then GNU long name", rawTar([]rawHdr{
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("path", "../evil"))},
			{name: "././@LongLink", typ: 'L', body: []byte(longKey + "\x00"), magic: magicGNU},
			{name: longKey[:100], typ: '0', body: body, magic: magicGNU},
		}, nil), "both POSIX ustar and GNU headers"},
		{"PAX path and header name disagree", rawTar([]rawHdr{
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("path", "private/"+keyB+".key"))},
			{name: key, typ: '0', body: body},
		}, nil), "the PAX path"},
		{"GNU long name and header name disagree", rawTar([]rawHdr{
			{name: "././@LongLink", typ: 'L', body: []byte(longKey + "\x00"), magic: magicGNU},
			{name: dockerDir + keyB, typ: '0', body: body, magic: magicGNU},
		}, nil), "the GNU long name"},
		{"GNU long link", rawTar([]rawHdr{
			{name: "././@LongLink", typ: 'K', body: []byte("/etc/shadow\x00"), magic: magicGNU},
			{name: dockerDir + keyA + ".key", typ: '0', body: body, magic: magicGNU},
		}, nil), "is a GNU long link name"},
		{"PAX linkpath", rawTar([]rawHdr{
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("linkpath", "/etc/shadow"))},
			{name: key, typ: '0', body: body},
		}, nil), `PAX record "linkpath"`},
		{"PAX sparse name", rawTar([]rawHdr{
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("GNU.sparse.name", "../evil"))},
			{name: key, typ: '0', body: body},
		}, nil), `PAX record "GNU.sparse.name"`},
		{"PAX xattr", rawTar([]rawHdr{
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("SCHILY.xattr.user.x", "y"))},
			{name: key, typ: '0', body: body},
		}, nil), `PAX record "SCHILY.xattr.user.x"`},
		{"PAX path twice", rawTar([]rawHdr{
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("path", key) + paxRec("path", "../evil"))},
			{name: key, typ: '0', body: body},
		}, nil), `the PAX record "path" twice`},
		{"global PAX header", rawTar([]rawHdr{
			{name: "pax_global_header", typ: 'g', body: []byte(paxRec("path", "../evil"))},
			{name: key, typ: '0', body: body},
		}, nil), "global header"},
		{"two PAX headers", rawTar([]rawHdr{
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("path", key))},
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("path", "../evil"))},
			{name: key, typ: '0', body: body},
		}, nil), "two extended headers"},
		{"PAX header at the end", rawTar([]rawHdr{
			{name: key, typ: '0', body: body},
			{name: "PaxHeaders.0/x", typ: 'x', body: []byte(paxRec("path", key))},
		}, nil), "followed by the end"},
		{"sparse entry", rawTar([]rawHdr{{name: key, typ: 'S', body: body, magic: magicGNU}}, nil), "sparse file"},
		{"old regular type", rawTar([]rawHdr{{name: key, typ: 0, body: body}}, nil), "entry of type"},
		{"V7 header", rawTar([]rawHdr{{name: key, typ: '0', body: body, magic: "\x00\x00\x00\x00\x00\x00\x00\x00"}}, nil), "neither POSIX ustar nor GNU"},
		{"prefix in a GNU header", rawTar([]rawHdr{{name: keyA + ".key", prefix: "private", typ: '0', body: body, magic: magicGNU}}, nil), "GNU header with times"},
		{"bytes after a name's end", rawTar([]rawHdr{{name: key + "\x00../evil", typ: '0', body: body}}, nil), "name field with bytes after its end"},
		{"link name on a file", rawTar([]rawHdr{{name: key, link: "/etc/shadow", typ: '0', body: body}}, nil), "link name"},
		{"file named like a directory", rawTar([]rawHdr{{name: "private/", typ: '0', body: body}}, nil), "a directory's name ends in /"},
		{"directory named like a file", rawTar([]rawHdr{{name: "private", typ: '5'}, {name: key, typ: '0', body: body}}, nil), "a directory's name ends in /"},
		{"directory twice", rawTar([]rawHdr{{name: "private/", typ: '5'}, {name: "private/", typ: '5'}, {name: key, typ: '0', body: body}}, nil), "appears twice"},
		{"entry after the end marker", rawTar([]rawHdr{{name: key, typ: '0', body: body}},
			rawHdr{name: "private/" + keyB + ".key", typ: '0', size: 3, magic: magicUSTAR}.block()), "data after the end"},
		{"trustvault archive in GNU format", rawTar([]rawHdr{
			{name: archive.ManifestName, typ: '0', body: []byte(manifestFor(t, map[string]string{key: "key"}, nil)), magic: magicGNU},
			{name: key, typ: '0', body: body, magic: magicGNU},
		}, nil), "a trustvault archive in GNU tar's format"},
		{"control character", rawTar([]rawHdr{{name: "private/a\nb.key", typ: '0', body: body}}, nil), "control character"},
	}
}

// TestTarDialect: what two tar programs could read differently is
// refused, naming why.
func TestTarDialect(t *testing.T) {
	for _, tc := range dialectCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			_, err := archive.Open(tc.data, nil, archive.DefaultLimits())
			if !errors.Is(err, archive.ErrUnsafe) || !strings.Contains(err.Error(), tc.why) {
				t.Errorf("got %v, want ErrUnsafe saying %q", err, tc.why)
			}
		})
	}
}

// TestTarDialectAmbiguity: the archive is a real ambiguity: GNU
// tar lists one name for the entry and Go's archive/tar reads another.
func TestTarDialectAmbiguity(t *testing.T) {
	tarBin := tools.GNUTar(t)
	cases := dialectCases(t)
	for _, tc := range []dialectCase{cases[0], cases[3]} {
		gnu, err := gnuTarNames(t, tarBin, tc.data, false)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(tc.data))
		if err != nil {
			t.Fatal(err)
		}
		h, err := tar.NewReader(zr).Next()
		if err != nil {
			t.Fatal(err)
		}
		if len(gnu) == 1 && gnu[0] == h.Name {
			t.Errorf("%s: both read %q", tc.name, h.Name)
		}
		t.Logf("%s: GNU tar lists %q, Go's archive/tar reads %q", tc.name, gnu, h.Name)
	}
}

// TestTarDialectAccepted: trustvault's own archives with long names (a
// ustar prefix, a PAX path) and the raw equivalents of GNU tar's long
// names are read, and GNU tar lists the same names.
func TestTarDialectAccepted(t *testing.T) {
	gun := "registry.example.com/" + strings.Repeat("team/", 12) + "app"
	files := append(sampleFiles(),
		archive.File{Name: "private/tuf_keys/" + gun + "/" + keyB + "_targets.key", Data: []byte("legacy, long")},
		archive.File{Name: "tuf/" + gun + "/metadata/" + strings.Repeat("r", 140) + ".json", Data: []byte("{}")},
	)
	built, _, err := archive.Build(files, archive.BuildOptions{Created: when, UID: 3_000_000, GID: 1000})
	if err != nil {
		t.Fatal(err)
	}
	longKey := dockerDir + keyA + ".key"
	for name, data := range map[string][]byte{
		"trustvault, long names": built,
		"GNU long name": rawTar([]rawHdr{
			{name: dockerDir, typ: '5', magic: magicGNU},
			{name: "././@LongLink", typ: 'L', body: []byte(longKey + "\x00"), magic: magicGNU},
			{name: longKey[:100], typ: '0', body: []byte("key"), magic: magicGNU},
		}, make([]byte, 8192)),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := archive.Open(data, nil, archive.DefaultLimits()); err != nil {
				t.Fatal(err)
			}
			compareWithGNUTar(t, data)
		})
	}
}

// TestGNUTarDockerBackup: docker's documented backup, made by GNU tar
// itself (`tar -zcvf`), long names and all, is read.
func TestGNUTarDockerBackup(t *testing.T) {
	tarBin := tools.GNUTar(t)
	home := t.TempDir()
	dir := filepath.Join(home, "home", "alice", ".docker", "trust", "private")
	legacy := filepath.Join(dir, "tuf_keys", "docker.io", "acme", "app")
	if err := os.MkdirAll(legacy, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, keyA+".key"), []byte("key a"), 0o600)
	os.WriteFile(filepath.Join(legacy, keyB+"_targets.key"), []byte("key b"), 0o600)
	out, err := exec.Command(tarBin, "-C", home, "-zcf", "-", "home").Output()
	if err != nil {
		t.Fatalf("tar -zcf: %v", err)
	}
	a, err := archive.Open(out, nil, archive.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != archive.KindTar || len(a.Files) != 2 {
		t.Errorf("%+v", a)
	}
	compareWithGNUTar(t, out)
}

// tvLine is a line of `tar -tv`: mode, owner, size, date, time, name.
var tvLine = regexp.MustCompile(`^\S+ \S+ +\d+ \S+ \S+ (.*)$`)

// gnuTarNames lists data with `tar -tvzf -`.
// With strict, anything tar says on stderr (a warning) is an error.
func gnuTarNames(t testing.TB, tarBin string, data []byte, strict bool) ([]string, error) {
	cmd := exec.Command(tarBin, "--quoting-style=literal", "--numeric-owner", "-tvzf", "-")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || strict && stderr.Len() > 0 {
		return nil, fmt.Errorf("tar -tvzf: %v: %s", err, stderr.String())
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		m := tvLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("tar -tvzf printed %q", line)
		}
		names = append(names, m[1])
	}
	return names, nil
}

// compareWithGNUTar: GNU tar lists exactly the names the reader read, in
// order, and says nothing on stderr.
func compareWithGNUTar(t testing.TB, data []byte) {
	t.Helper()
	tarBin := tools.GNUTar(t)
	got, err := gnuTarNames(t, tarBin, data, true)
	if err != nil {
		t.Fatal(err)
	}
	want, err := archive.EntryNames(data, archive.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("GNU tar lists\n%q\nthe reader read\n%q", got, want)
	}
}
