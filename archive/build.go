package archive

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"
)

// Modes every entry gets in its header, whatever the files had on disk.
const (
	FileMode = 0o600
	DirMode  = 0o700
)

// File is one regular file of an archive.
type File struct {
	// Name is slash-separated and local: "private/<id>.key".
	Name    string
	Data    []byte
	ModTime time.Time
}

// BuildOptions describe the archive to build.
type BuildOptions struct {
	Version string
	Created time.Time
	Keys    []Key
	// UID and GID go into the headers (the numeric owner; names are left
	// empty).
	UID, GID int
}

// Build makes a tar.gz of files, in sorted order, with the manifest
// first and every parent directory as an entry. It returns the archive
// and its manifest.
func Build(files []File, opts BuildOptions) ([]byte, *Manifest, error) {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	m := &Manifest{Format: Format, Version: opts.Version, Created: opts.Created.UTC().Truncate(time.Second), Keys: opts.Keys}
	dirs := map[string]bool{}
	var dirList []string
	addDirs := func(name string) {
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if !dirs[d] {
				dirs[d] = true
				dirList = append(dirList, d)
			}
		}
	}
	addDirs(ManifestName)
	for i, f := range files {
		if err := checkName(f.Name); err != nil {
			return nil, nil, fmt.Errorf("build: %w", err)
		}
		if i > 0 && files[i-1].Name == f.Name {
			return nil, nil, fmt.Errorf("build: %s twice", f.Name)
		}
		if f.Name == ManifestName {
			return nil, nil, fmt.Errorf("build: %s is the manifest's name", f.Name)
		}
		addDirs(f.Name)
		sum := sha256.Sum256(f.Data)
		m.Entries = append(m.Entries, Entry{Name: f.Name, Size: int64(len(f.Data)), SHA256: hex.EncodeToString(sum[:])})
	}
	for _, f := range files {
		if dirs[f.Name] {
			return nil, nil, fmt.Errorf("build: %s is both a file and a directory", f.Name)
		}
	}
	slices.Sort(dirList)
	mj, err := manifestJSON(m)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(files)*1600 + len(mj) + 4096)
	tw := tar.NewWriter(&buf)
	mtime := m.Created
	hdr := func(name string, typ byte, size int64, mt time.Time) *tar.Header {
		mode := int64(FileMode)
		if typ == tar.TypeDir {
			mode, name = DirMode, name+"/"
		}
		return &tar.Header{Typeflag: typ, Name: name, Size: size, Mode: mode, ModTime: mt.Truncate(time.Second), Uid: opts.UID, Gid: opts.GID}
	}
	// Directories first, so that tar -x creates them before their files;
	// then the manifest; then the files.
	for _, d := range dirList {
		if err := tw.WriteHeader(hdr(d, tar.TypeDir, 0, mtime)); err != nil {
			return nil, nil, err
		}
	}
	if err := tw.WriteHeader(hdr(ManifestName, tar.TypeReg, int64(len(mj)), mtime)); err != nil {
		return nil, nil, err
	}
	if _, err := tw.Write(mj); err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		mt := f.ModTime
		if mt.IsZero() {
			mt = mtime
		}
		if err := tw.WriteHeader(hdr(f.Name, tar.TypeReg, int64(len(f.Data)), mt)); err != nil {
			return nil, nil, err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, nil, err
	}
	gz, err := gzipChunks(buf.Bytes())
	if err != nil {
		return nil, nil, err
	}
	return gz, m, nil
}

// gzipChunk is how much of the tar stream one goroutine deflates.
const gzipChunk = 1 << 20

// gzipChunks compresses data as one gzip member, its deflate stream made
// in chunks of gzipChunk on every CPU: each chunk is deflated on its own
// and ends with a sync flush (an empty stored block, which ends on a byte
// boundary and does not end the stream), the last with the final block,
// so that the chunks joined are one valid deflate stream; the header and
// the trailer (CRC-32 and length of the whole) frame it as gzip.Writer
// would at this level. Key files are base64 of random bytes: the best
// compression saves a few per cent over the fastest, at a third more time.
// The output depends only on data, not on the number of CPUs.
func gzipChunks(data []byte) ([]byte, error) {
	n := max(1, (len(data)+gzipChunk-1)/gzipChunk)
	parts := make([][]byte, n)
	errs := make([]error, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				parts[i], errs[i] = deflateChunk(data[i*gzipChunk:min(len(data), (i+1)*gzipChunk)], i == n-1)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// RFC 1952: ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=4 (fastest) OS=255
	// (unknown), as gzip.Writer writes them for BestSpeed.
	out := append(make([]byte, 0, 10+8+len(data)/2), 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255)
	for _, p := range parts {
		out = append(out, p...)
	}
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(data))
	return binary.LittleEndian.AppendUint32(out, uint32(len(data))), nil
}

// deflateChunk deflates one chunk at the fastest level; last ends the
// stream, any other ends with a sync flush.
func deflateChunk(chunk []byte, last bool) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(chunk)/2 + 64)
	w, err := flate.NewWriter(&b, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(chunk); err != nil {
		return nil, err
	}
	if last {
		err = w.Close()
	} else {
		err = w.Flush()
	}
	return b.Bytes(), err
}

// SHA256 is the hex SHA-256 of data.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
