package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// The tar dialect Open accepts, checked on the raw header blocks before
// the archive is read, so that no two tar programs can read one archive
// differently (GNU tar extracting a name trustvault never validated):
//
//   - trustvault's own archives are what Go's archive/tar writes for
//     them: POSIX ustar headers (magic "ustar\x00", version "00"), a
//     name over 100 bytes split into prefix and name, and, for what ustar
//     cannot hold, a PAX extended header ('x') with only the records
//     path, mtime, uid and gid; the header after it carries the path cut
//     to 100 bytes, and nothing else;
//   - a plain tar of private/ made as docker documents it (`tar -zcvf`,
//     GNU tar's default format): GNU headers (magic "ustar  \x00") with a
//     GNU long name ('L') where the name is over 100 bytes, the header
//     after it carrying the long name's first 100 bytes;
//   - in both, only regular files ('0') and directories ('5', their names
//     ending in "/", files' not), no link name, no other types (no
//     symbolic or hard links, devices, FIFOs, GNU long link names 'K',
//     sparse files 'S', global PAX headers 'g'), never two dialects in one
//     archive, never an extended header without its entry or two before
//     one, never one name twice, and after the end marker nothing but
//     zeros.
//
// Every header's checksum must be right, and every numeric field octal.
// Open then reads the archive with Go's archive/tar as well and refuses it
// unless both readers saw the same entries.

// tarDialect is the header format an archive uses.
type tarDialect int

const (
	dialectNone  tarDialect = iota
	dialectUSTAR            // POSIX ustar (+ PAX), what trustvault writes
	dialectGNU              // GNU tar's default, for docker's plain tars
)

// scanned is one entry as the dialect scan read it.
type scanned struct {
	name string // as in the archive ("private/", "private/x.key")
	typ  byte
	size int64
}

const (
	blockSize   = 512
	maxLongName = 4096     // a GNU long name or PAX path (PATH_MAX)
	maxPAXSize  = 16 << 10 // a PAX extended header's records
)

// paxAllowed are the PAX records Go's archive/tar writes for trustvault's
// headers: a long name, a time or owner ustar cannot hold.
var paxAllowed = map[string]bool{"path": true, "mtime": true, "uid": true, "gid": true}

// errDialect is an archive outside the dialect.
func errDialect(format string, args ...any) error {
	return fmt.Errorf("%w: not the tar dialect trustvault writes (two tar programs could read it differently): %s", ErrUnsafe, fmt.Sprintf(format, args...))
}

// tarScan reads the raw tar stream r (already bounded) and returns its
// entries and dialect, or why it is outside the dialect.
type tarScan struct {
	r       io.Reader
	lim     Limits
	dialect tarDialect
	entries []scanned
	names   map[string]bool
	total   int64
}

func scanTar(r io.Reader, lim Limits) ([]scanned, tarDialect, error) {
	s := &tarScan{r: r, lim: lim, names: map[string]bool{}}
	err := s.run()
	return s.entries, s.dialect, err
}

func (s *tarScan) readFull(b []byte) error {
	if _, err := io.ReadFull(s.r, b); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return err
		}
		return fmt.Errorf("%w: the tar stream ends early (%v)", ErrDamaged, err)
	}
	return nil
}

func (s *tarScan) run() error {
	var blk [blockSize]byte
	var pax map[string]string
	var long string
	hasExt := false // an extended header waits for its entry
	for {
		if err := s.readFull(blk[:]); err != nil {
			return err
		}
		if blk == [blockSize]byte{} {
			if hasExt {
				return errDialect("an extended header is followed by the end of the archive")
			}
			return s.end()
		}
		h, err := s.header(&blk)
		if err != nil {
			return err
		}
		switch h.typ {
		case 'x', 'L':
			if h.typ == 'x' && s.dialect != dialectUSTAR || h.typ == 'L' && s.dialect != dialectGNU {
				return errDialect("a %s in a %s archive", typeName(h.typ), map[tarDialect]string{dialectUSTAR: "POSIX ustar", dialectGNU: "GNU"}[s.dialect])
			}
			if hasExt {
				return errDialect("two extended headers for one entry")
			}
			body, err := s.body(h)
			if err != nil {
				return err
			}
			if h.typ == 'x' {
				pax, err = parsePAX(body)
			} else {
				long, err = parseLongName(body)
			}
			if err != nil {
				return err
			}
			hasExt = true
			continue
		}
		if err := s.entry(h, pax, long); err != nil {
			return err
		}
		pax, long, hasExt = nil, "", false
	}
}

// end checks the second zero block of the end marker and that only zeros
// follow (GNU tar pads to its record size).
func (s *tarScan) end() error {
	var blk [blockSize]byte
	if err := s.readFull(blk[:]); err != nil {
		return err
	}
	if blk != [blockSize]byte{} {
		return errDialect("a single zero block before more entries")
	}
	for {
		n, err := s.r.Read(blk[:])
		if !allZero(blk[:n]) {
			return errDialect("data after the end of the archive")
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return err
			}
			return fmt.Errorf("%w: %v", ErrDamaged, err)
		}
	}
}

// rawHeader is a header block's fields, checked.
type rawHeader struct {
	name string // prefix/name for ustar, name for GNU
	typ  byte
	size int64
}

// header checks one header block and returns its fields.
func (s *tarScan) header(blk *[blockSize]byte) (rawHeader, error) {
	var h rawHeader
	var sum int64
	for i, c := range blk {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	if want, err := octal(blk[148:156]); err != nil || want != sum {
		return h, fmt.Errorf("%w: a tar header's checksum is wrong", ErrDamaged)
	}
	var d tarDialect
	switch string(blk[257:265]) {
	case "ustar\x0000":
		d = dialectUSTAR
	case "ustar  \x00":
		d = dialectGNU
	default:
		return h, errDialect("a header of magic %q (neither POSIX ustar nor GNU)", blk[257:265])
	}
	if s.dialect != dialectNone && s.dialect != d {
		return h, errDialect("both POSIX ustar and GNU headers")
	}
	s.dialect = d
	h.typ = blk[156]
	name, err := field(blk[0:100], "name")
	if err != nil {
		return h, err
	}
	if _, err := field(blk[157:257], "link name"); err != nil || blk[157] != 0 {
		return h, errDialect("a header with a link name")
	}
	for _, f := range []struct {
		b    []byte
		what string
	}{{blk[100:108], "mode"}, {blk[108:116], "uid"}, {blk[116:124], "gid"}, {blk[136:148], "mtime"}} {
		if _, err := octal(f.b); err != nil {
			return h, errDialect("a %s that is not octal", f.what)
		}
	}
	if h.size, err = octal(blk[124:136]); err != nil {
		return h, errDialect("a size that is not octal")
	}
	if d == dialectGNU {
		// atime, ctime, offsets, sparse map: GNU tar leaves them empty
		// outside incremental and sparse archives.
		if !allZero(blk[345:512]) {
			return h, errDialect("a GNU header with times, offsets or a sparse map")
		}
	} else {
		prefix, err := field(blk[345:500], "prefix")
		if err != nil {
			return h, err
		}
		if !allZero(blk[500:512]) {
			return h, errDialect("a header with data past its prefix (star's format)")
		}
		if prefix != "" {
			name = prefix + "/" + name
		}
	}
	h.name = name
	return h, nil
}

// entry checks one file or directory header against the extended header
// before it, and records it.
func (s *tarScan) entry(h rawHeader, pax map[string]string, long string) error {
	switch h.typ {
	case '0', '5':
	default:
		return fmt.Errorf("%w: %q is a %s; only regular files and directories are restored", ErrUnsafe, h.name, typeName(h.typ))
	}
	name := h.name
	if p, ok := pax["path"]; ok {
		if cut := p[:min(len(p), 100)]; h.name != cut {
			return errDialect("the PAX path %q and the header's name %q disagree", p, h.name)
		}
		name = p
	}
	if long != "" {
		if cut := long[:min(len(long), 100)]; h.name != cut {
			return errDialect("the GNU long name %q and the header's name %q disagree", long, h.name)
		}
		name = long
	}
	if dir := strings.HasSuffix(name, "/"); dir != (h.typ == '5') {
		return errDialect("%q: a directory's name ends in /, a file's does not", name)
	}
	if h.typ == '5' && h.size != 0 {
		return fmt.Errorf("%w: directory %q has data", ErrUnsafe, name)
	}
	if len(s.entries) >= s.lim.Entries {
		return fmt.Errorf("%w: more than %d entries", ErrTooLarge, s.lim.Entries)
	}
	if h.size > s.lim.Entry {
		return fmt.Errorf("%w: %q declares %d bytes, more than %d", ErrTooLarge, name, h.size, s.lim.Entry)
	}
	if s.total += h.size; s.total > s.lim.Total {
		return fmt.Errorf("%w: the entries declare more than %d bytes", ErrTooLarge, s.lim.Total)
	}
	key := strings.TrimPrefix(path.Clean(name), "./")
	if s.names[key] {
		return fmt.Errorf("%w: %q appears twice", ErrUnsafe, name)
	}
	s.names[key] = true
	s.entries = append(s.entries, scanned{name: name, typ: h.typ, size: h.size})
	return s.skip(h.size)
}

// body reads an extended header's data.
func (s *tarScan) body(h rawHeader) ([]byte, error) {
	limit := int64(maxLongName + 1)
	if h.typ == 'x' {
		limit = maxPAXSize
	}
	if h.size > limit {
		return nil, errDialect("an extended header of %d bytes", h.size)
	}
	b := make([]byte, padded(h.size))
	if err := s.readFull(b); err != nil {
		return nil, err
	}
	if !allZero(b[h.size:]) {
		return nil, errDialect("an extended header's padding is not zeros")
	}
	return b[:h.size], nil
}

func (s *tarScan) skip(size int64) error {
	if _, err := io.CopyN(io.Discard, s.r, padded(size)); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return err
		}
		return fmt.Errorf("%w: the tar stream ends early (%v)", ErrDamaged, err)
	}
	return nil
}

func padded(n int64) int64 { return (n + blockSize - 1) / blockSize * blockSize }

// parseLongName reads a GNU long name: the name and one NUL.
func parseLongName(b []byte) (string, error) {
	if len(b) < 2 || b[len(b)-1] != 0 || bytes.IndexByte(b, 0) != len(b)-1 {
		return "", errDialect("a GNU long name that is not one NUL-terminated name")
	}
	return string(b[:len(b)-1]), nil
}

// parsePAX reads PAX records ("%d %s=%s\n", the length counting
// itself), each allowed and given once.
func parsePAX(b []byte) (map[string]string, error) {
	recs := map[string]string{}
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp < 1 || sp > 5 || b[0] == '0' {
			return nil, errDialect("a malformed PAX record")
		}
		n, err := strconv.Atoi(string(b[:sp]))
		if err != nil || n <= sp+3 || n > len(b) || b[n-1] != '\n' {
			return nil, errDialect("a malformed PAX record")
		}
		key, val, ok := strings.Cut(string(b[sp+1:n-1]), "=")
		if !ok || !paxAllowed[key] {
			return nil, errDialect("a PAX record %q trustvault does not write", key)
		}
		if _, dup := recs[key]; dup {
			return nil, errDialect("the PAX record %q twice", key)
		}
		if strings.ContainsRune(val, 0) || val == "" || key != "path" && strings.Trim(val, "0123456789.-") != "" {
			return nil, errDialect("a malformed PAX %s record", key)
		}
		recs[key] = val
		b = b[n:]
	}
	return recs, nil
}

// field reads a NUL-terminated string field; what follows the NUL must be
// zeros (readers that read past it would see another name).
func field(b []byte, what string) (string, error) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return string(b), nil
	}
	if !allZero(b[i:]) {
		return "", errDialect("a %s field with bytes after its end", what)
	}
	return string(b[:i]), nil
}

// octal reads a numeric field: octal digits, space- or NUL-padded.
func octal(b []byte) (int64, error) {
	s := strings.Trim(string(b), " \x00")
	if s == "" {
		return 0, nil
	}
	if strings.Trim(s, "01234567") != "" {
		return 0, fmt.Errorf("%q is not octal", s)
	}
	return strconv.ParseInt(s, 8, 64)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
