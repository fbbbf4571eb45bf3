package archive

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGzipChunks: the chunked, parallel deflate is one gzip member that
// Go's reader and the system's gzip read back to the same bytes, for
// sizes around the chunk boundary, and the same bytes every time.
func TestGzipChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, gzipChunk - 1, gzipChunk, gzipChunk + 1, 3*gzipChunk + 12345} {
		data := make([]byte, n)
		for i := range data {
			if i%3 == 0 { // partly compressible
				data[i] = byte(r.IntN(64))
			}
		}
		gz, err := gzipChunks(data)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := gzipChunks(data)
		if !bytes.Equal(gz, again) {
			t.Errorf("%d bytes: two runs differ", n)
		}
		src := bytes.NewReader(gz)
		zr, err := gzip.NewReader(src)
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		back, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("%d bytes: read back %d bytes, %v", n, len(back), err)
		}
		if src.Len() != 0 {
			t.Errorf("%d bytes: %d bytes after the one gzip member", n, src.Len())
		}
		if n > gzipChunk && len(gz) >= n {
			t.Errorf("%d bytes compressed to %d", n, len(gz))
		}
		if gzipBin, err := exec.LookPath("gzip"); err == nil {
			f := filepath.Join(t.TempDir(), "x.gz")
			if err := os.WriteFile(f, gz, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(gzipBin, "-dc", f).Output()
			if err != nil || !bytes.Equal(out, data) {
				t.Errorf("%d bytes: gzip -dc: %v (%d bytes back)", n, err, len(out))
			}
		}
	}
}

// TestBuildReadByTar: an archive of more than one chunk lists with the
// system's tar, every file in it.
func TestBuildReadByTar(t *testing.T) {
	tarBin, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("no tar on PATH")
	}
	r := rand.New(rand.NewPCG(5, 6))
	var files []File
	for i := range 3000 {
		data := make([]byte, 1000)
		for j := range data {
			data[j] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[r.IntN(64)]
		}
		files = append(files, File{Name: filepath.ToSlash(filepath.Join("private", hex64(i)+".key")), Data: data})
	}
	data, _, err := Build(files, BuildOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < gzipChunk { // 3,000 files of 1,000 bytes: about 3.5 MB of tar
		t.Fatalf("the archive is %d bytes: the tar was not several chunks", len(data))
	}
	f := filepath.Join(t.TempDir(), "a.tar.gz")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tarBin, "-tzf", f).Output()
	if err != nil {
		t.Fatalf("tar -tzf: %v", err)
	}
	for _, fl := range files {
		if !bytes.Contains(out, []byte(fl.Name+"\n")) {
			t.Fatalf("tar does not list %s", fl.Name)
		}
	}
}

func hex64(i int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 64)
	for j := range b {
		b[j] = digits[(i>>(j%16))&0xf^j&0xf]
	}
	return string(b)
}
