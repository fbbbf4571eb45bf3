package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Errors a caller may branch on.
var (
	// ErrWrongPassphrase: the archive did not decrypt with the passphrase.
	ErrWrongPassphrase = errors.New("wrong archive passphrase")
	// ErrNeedPassphrase: the archive is encrypted and no passphrase was
	// given.
	ErrNeedPassphrase = errors.New("the archive is encrypted: a passphrase is needed")
	// ErrDamaged: truncated or corrupted (a drive pulled during the
	// backup, a failing stick).
	ErrDamaged = errors.New("incomplete or damaged backup")
	// ErrUnsafe: an entry that is not a plain file or directory with a
	// local name, or a name given twice.
	ErrUnsafe = errors.New("unsafe archive")
	// ErrTooLarge: beyond the size or count limits.
	ErrTooLarge = errors.New("archive too large")
	// ErrManifest: the manifest does not match the entries.
	ErrManifest = errors.New("the manifest does not match the archive")
)

// Limits bound what Open accepts. Key sets are small: the defaults leave
// room for ten thousand keys and their metadata many times over.
type Limits struct {
	// Archive is the most bytes of archive (after decryption, too).
	Archive int64
	// Entry is the largest declared size of one entry.
	Entry int64
	// Total is the most bytes of all entries together, and of the
	// uncompressed stream.
	Total int64
	// Entries is the most entries.
	Entries int
}

// DefaultLimits are Open's limits.
func DefaultLimits() Limits {
	return Limits{Archive: MaxArchiveSize, Entry: MaxEntrySize, Total: MaxTotalSize, Entries: MaxEntries}
}

// Kind is where an archive comes from.
type Kind int

const (
	// KindTrustvault has a manifest and private/, tuf/ entries.
	KindTrustvault Kind = iota
	// KindTar is a plain tar of a private/ directory, as docker's
	// documented `tar -zcvf private_keys_backup.tar.gz ~/.docker/trust/private`
	// makes (members home/<user>/.docker/trust/private/...).
	KindTar
)

// Archive is a validated archive in memory.
type Archive struct {
	Kind Kind
	// Manifest is nil for KindTar.
	Manifest *Manifest
	// Files are the file entries with their names mapped to the trust
	// directory ("private/...", "tuf/..."), sorted; the manifest is not
	// among them.
	Files []File
	// Dirs are the directories (mapped), sorted.
	Dirs []string
	// SHA256 is the digest of the bytes Open was given (the file as it is
	// on the drive), Size their length.
	SHA256    string
	Size      int64
	Encrypted bool
}

// PassphraseFunc gives the archive's passphrase; it is asked only for an
// encrypted archive. The archive package zeroes what it returns.
type PassphraseFunc func() ([]byte, error)

// Open validates a whole archive in memory: decryption, the gzip stream to
// its trailer, every tar entry (type, name, size, count, duplicates), and
// every digest against the manifest. Nothing is written.
func Open(data []byte, pass PassphraseFunc, lim Limits) (*Archive, error) {
	if int64(len(data)) > lim.Archive {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(data), lim.Archive)
	}
	a := &Archive{SHA256: SHA256(data), Size: int64(len(data))}
	plain := data
	if IsEncrypted(data) {
		a.Encrypted = true
		if pass == nil {
			return nil, fmt.Errorf("%w", ErrNeedPassphrase)
		}
		p, err := pass()
		if err != nil {
			return nil, err
		}
		plain, err = Decrypt(data, p, lim.Archive)
		for i := range p {
			p[i] = 0
		}
		if err != nil {
			return nil, fmt.Errorf("%w", err)
		}
	}
	if err := a.read(plain, lim); err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return a, nil
}

// countingReader stops a decompression bomb: it fails past the limit.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return n, fmt.Errorf("%w: it expands to more than %d bytes", ErrTooLarge, c.limit)
	}
	return n, err
}

// rawEntry is an entry before its name is mapped.
type rawEntry struct {
	name    string
	dir     bool
	data    []byte
	modTime time.Time
}

// gunzip opens the gzip stream, bounded by the total limit.
func gunzip(plain []byte, lim Limits) (*countingReader, error) {
	gz, err := gzip.NewReader(bytes.NewReader(plain))
	if err != nil {
		return nil, fmt.Errorf("%w: not a gzip stream (%v)", ErrDamaged, err)
	}
	return &countingReader{r: gz, limit: lim.Total + 64<<10}, nil
}

// read checks the archive's tar dialect on its raw headers, then reads it
// with Go's archive/tar, and refuses it unless both saw the same entries.
func (a *Archive) read(plain []byte, lim Limits) error {
	cr, err := gunzip(plain, lim)
	if err != nil {
		return err
	}
	// Decompressed once when the gzip stream is whole (its CRC checked)
	// and within the limit; otherwise twice, as the readers meet it, so
	// that each says what it finds wrong.
	again := func() (*countingReader, error) { return gunzip(plain, lim) }
	inMemory := false
	if tarData, err := readAllSized(cr, plain); err == nil {
		inMemory = true
		limit := cr.limit
		cr = &countingReader{r: bytes.NewReader(tarData), limit: limit}
		again = func() (*countingReader, error) {
			return &countingReader{r: bytes.NewReader(tarData), limit: limit}, nil
		}
	} else if cr, err = gunzip(plain, lim); err != nil {
		return err
	}
	want, dialect, entries, got, err := readBoth(cr, again, inMemory, lim)
	if err != nil {
		return err
	}
	if !slices.Equal(want, got) {
		return errDialect("Go's archive/tar reads other entries than the raw headers say")
	}
	if err := a.assemble(entries); err != nil {
		return err
	}
	if a.Kind == KindTrustvault && dialect != dialectUSTAR {
		return errDialect("a trustvault archive in GNU tar's format")
	}
	return nil
}

// readBoth reads the tar stream twice: its raw headers (scanTar, on cr),
// then with Go's archive/tar (readTar, on what again gives). A whole
// stream in memory (inMemory) is read by both side by side, each on its
// own reader; any other is read by scanTar first, and readTar only when
// scanTar found nothing wrong. The errors are the same either way
// (scanTar's first).
func readBoth(cr *countingReader, again func() (*countingReader, error), inMemory bool, lim Limits) (want []scanned, dialect tarDialect, entries []rawEntry, got []scanned, err error) {
	if !inMemory {
		if want, dialect, err = scanTar(cr, lim); err != nil {
			return nil, 0, nil, nil, err
		}
		if cr, err = again(); err != nil {
			return nil, 0, nil, nil, err
		}
		if entries, got, err = readTar(cr, lim); err != nil {
			return nil, 0, nil, nil, err
		}
		return want, dialect, entries, got, nil
	}
	cr2, err := again() // a reader on the bytes in memory: it cannot fail
	if err != nil {
		return nil, 0, nil, nil, err
	}
	var tarErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		entries, got, tarErr = readTar(cr2, lim)
	}()
	want, dialect, err = scanTar(cr, lim)
	<-done
	if err != nil {
		return nil, 0, nil, nil, err
	}
	if tarErr != nil {
		return nil, 0, nil, nil, tarErr
	}
	return want, dialect, entries, got, nil
}

// readAllSized reads the whole decompressed stream, sized at first by
// the gzip trailer's ISIZE (the length modulo 2^32), so that it is read
// into one buffer. The trailer is not trusted beyond what the stream
// could hold: at most the reader's limit and deflate's largest ratio
// (1032:1) of the compressed size.
func readAllSized(cr *countingReader, gz []byte) ([]byte, error) {
	var hint int64
	if n := len(gz); n >= 4 {
		hint = int64(gz[n-4]) | int64(gz[n-3])<<8 | int64(gz[n-2])<<16 | int64(gz[n-1])<<24
	}
	buf := make([]byte, 0, min(hint, cr.limit, int64(len(gz))*1032)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := cr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// readTar reads every entry with Go's archive/tar, and what it saw.
func readTar(cr *countingReader, lim Limits) ([]rawEntry, []scanned, error) {
	tr := tar.NewReader(cr)
	var entries []rawEntry
	var seen []scanned
	var total int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return nil, nil, err
			}
			return nil, nil, fmt.Errorf("%w: %v", ErrDamaged, err)
		}
		seen = append(seen, scanned{name: h.Name, typ: h.Typeflag, size: h.Size})
		if len(entries) >= lim.Entries {
			return nil, nil, fmt.Errorf("%w: more than %d entries", ErrTooLarge, lim.Entries)
		}
		name := h.Name
		var e rawEntry
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
		case tar.TypeDir:
			e.dir = true
			name = strings.TrimSuffix(name, "/")
		default:
			return nil, nil, fmt.Errorf("%w: %q is a %s; only regular files and directories are restored", ErrUnsafe, h.Name, typeName(h.Typeflag))
		}
		if err := checkName(name); err != nil {
			return nil, nil, err
		}
		if h.Size < 0 || h.Size > lim.Entry {
			return nil, nil, fmt.Errorf("%w: %q declares %d bytes, more than %d", ErrTooLarge, h.Name, h.Size, lim.Entry)
		}
		if total += h.Size; total > lim.Total {
			return nil, nil, fmt.Errorf("%w: the entries declare more than %d bytes", ErrTooLarge, lim.Total)
		}
		if e.dir && h.Size != 0 {
			return nil, nil, fmt.Errorf("%w: directory %q has data", ErrUnsafe, h.Name)
		}
		e.name, e.modTime = name, h.ModTime
		if !e.dir {
			e.data = make([]byte, h.Size)
			if _, err := io.ReadFull(tr, e.data); err != nil {
				if errors.Is(err, ErrTooLarge) {
					return nil, nil, err
				}
				return nil, nil, fmt.Errorf("%w: %q: %v", ErrDamaged, h.Name, err)
			}
		}
		entries = append(entries, e)
	}
	// Drain to the gzip trailer (its CRC is checked there): zeros after
	// the tar end marker could be a bomb too, so this is bounded.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return entries, seen, nil
}

// typeName names a tar entry type for an error.
func typeName(t byte) string {
	switch t {
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "FIFO"
	case tar.TypeGNUSparse:
		return "sparse file"
	case tar.TypeXGlobalHeader:
		return "global header"
	case tar.TypeXHeader:
		return "PAX extended header"
	case tar.TypeGNULongName:
		return "GNU long name"
	case tar.TypeGNULongLink:
		return "GNU long link name"
	default:
		return fmt.Sprintf("entry of type %q", t)
	}
}

// checkName accepts only local, clean, slash-separated names.
func checkName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%w: entry name %q %s", ErrUnsafe, name, why) }
	switch {
	case name == "":
		return bad("is empty")
	case strings.ContainsRune(name, 0):
		return bad("contains a NUL byte")
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		// No trust directory name has one; tar programs print them each
		// their own way.
		return bad("contains a control character")
	case strings.Contains(name, `\`):
		return bad("contains a backslash")
	case strings.HasPrefix(name, "/"):
		return bad("is absolute")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return bad("leaves the directory (..)")
		}
	}
	if c := path.Clean(name); c != name && c+"/" != name && "./"+c != name {
		return bad("is not clean")
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return bad("is not local")
	}
	return nil
}

// assemble maps the names, finds the manifest and checks it.
func (a *Archive) assemble(entries []rawEntry) error {
	var manifest []byte
	for _, e := range entries {
		if clean(e.name) == ManifestName && !e.dir {
			if manifest != nil {
				return fmt.Errorf("%w: two manifests", ErrUnsafe)
			}
			manifest = e.data
		}
	}
	if manifest != nil {
		m, err := parseManifest(manifest)
		if err != nil {
			return err
		}
		a.Kind, a.Manifest = KindTrustvault, m
	} else {
		a.Kind = KindTar
	}
	seen := map[string]bool{} // name -> is a directory
	for _, e := range entries {
		name, ok, err := a.mapName(clean(e.name), e.dir)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if isDir, dup := seen[name]; dup {
			if isDir && e.dir {
				continue // tar may list a directory twice (docker's archives: no)
			}
			return fmt.Errorf("%w: %q appears twice", ErrUnsafe, name)
		}
		seen[name] = e.dir
		if e.dir {
			a.Dirs = append(a.Dirs, name)
		} else {
			a.Files = append(a.Files, File{Name: name, Data: e.data, ModTime: e.modTime})
		}
	}
	// A name used as a file and as a directory (a/b a file, a/b/c below it).
	for name := range seen {
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if isDir, ok := seen[d]; ok && !isDir {
				return fmt.Errorf("%w: %q is a file and the directory of %q", ErrUnsafe, d, name)
			}
		}
	}
	slices.SortFunc(a.Files, func(x, y File) int { return strings.Compare(x.Name, y.Name) })
	slices.Sort(a.Dirs)
	if len(a.Files) == 0 {
		return fmt.Errorf("%w: it holds no key files", ErrDamaged)
	}
	if a.Manifest != nil {
		return a.checkManifest()
	}
	return nil
}

func clean(name string) string { return strings.TrimPrefix(path.Clean(name), "./") }

// mapName maps an entry's name into the trust directory. A trustvault
// archive holds private/, tuf/ and the manifest; a plain tar is mapped by
// its private/ component, and anything outside private/ is refused.
func (a *Archive) mapName(name string, dir bool) (string, bool, error) {
	if a.Kind == KindTrustvault {
		switch {
		case name == ManifestName || name == path.Dir(ManifestName):
			return "", false, nil
		case name == "private" || strings.HasPrefix(name, "private/") || name == "tuf" || strings.HasPrefix(name, "tuf/"):
			return name, true, nil
		}
		return "", false, fmt.Errorf("%w: %q is outside private/ and tuf/", ErrUnsafe, name)
	}
	parts := strings.Split(name, "/")
	// docker's archive holds .../.docker/trust/private/...; a GUN in the
	// legacy layout may hold a "private" component of its own.
	i := slices.Index(parts, "private")
	for j := 1; j < len(parts); j++ {
		if parts[j] == "private" && parts[j-1] == "trust" {
			i = j
			break
		}
	}
	if i < 0 {
		if dir {
			return "", false, nil // home/, home/alice/.docker/ ... above private/
		}
		return "", false, fmt.Errorf("%w: %q is outside the private/ directory", ErrUnsafe, name)
	}
	return strings.Join(parts[i:], "/"), true, nil
}

// checkManifest: every file is listed with its size and digest, and every
// listed entry is there.
func (a *Archive) checkManifest() error {
	listed := make(map[string]Entry, len(a.Manifest.Entries))
	have := make(map[string]bool, len(a.Files))
	for _, e := range a.Manifest.Entries {
		if _, dup := listed[e.Name]; dup {
			return fmt.Errorf("%w: it lists %q twice", ErrManifest, e.Name)
		}
		listed[e.Name] = e
	}
	for _, f := range a.Files {
		e, ok := listed[f.Name]
		if !ok {
			return fmt.Errorf("%w: %q is not in the manifest", ErrManifest, f.Name)
		}
		if e.Size != int64(len(f.Data)) || e.SHA256 != SHA256(f.Data) {
			return fmt.Errorf("%w: %q differs from its digest in the manifest", ErrManifest, f.Name)
		}
		delete(listed, f.Name)
		have[f.Name] = true
	}
	for name := range listed {
		return fmt.Errorf("%w: it lists %q, which the archive does not hold", ErrManifest, name)
	}
	for _, k := range a.Manifest.Keys {
		if !have[k.Entry] {
			return fmt.Errorf("%w: key %s names entry %q, which the archive does not hold", ErrManifest, k.ID, k.Entry)
		}
	}
	return nil
}
