package vault

// The trust archive: a repository's TUF metadata frozen into one tar.gz,
// so that what was signed can be shown after its notary server is gone.
// It is an archive of the backup kind (archive.Build: the digest manifest
// trustvault/manifest.json first, fixed modes, a .sha256 sidecar), holding
// only metadata, in notary's cache layout:
//
//	tuf/archive.json                                the trust manifest (ParseTrustManifest)
//	tuf/<gun>/metadata/root.json, timestamp.json, snapshot.json, targets.json
//	tuf/<gun>/metadata/targets/<delegation>.json
//	tuf/<gun>/metadata/<n>.root.json                every root version, as the server names them
//
// `tar -xzf FILE -C ~/.docker/trust` makes a cache docker and notary read.
// The engine checks the digests; what the metadata says is verified by
// the caller (remote.VerifyBundle), never taken from the manifest.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/archive"
	"github.com/trustvault/trustvault/vault/internal/atomicfile"
)

// TrustManifestName is the trust manifest's entry in a trust archive.
const TrustManifestName = tufDir + "/archive.json"

// TrustArchiveFormat names the trust manifest's version.
const TrustArchiveFormat = "trustvault-trust-archive/1"

// MaxTrustManifestSize bounds the trust manifest.
const MaxTrustManifestSize = 4 << 20

// TrustBundle is one repository's metadata files in a trust archive.
type TrustBundle struct {
	GUN string `json:"gun"`
	// Server is where the metadata was pulled from ("" when it was
	// archived from the cache alone).
	Server string `json:"server,omitempty"`
	// Gathered is when the metadata was collected and verified.
	Gathered time.Time `json:"gathered"`
	// RootVersion, TimestampVersion and TimestampExpires describe the
	// metadata as it verified when archived; a reader verifies the files
	// again and does not rely on them.
	RootVersion      int       `json:"root_version"`
	TimestampVersion int       `json:"timestamp_version"`
	TimestampExpires time.Time `json:"timestamp_expires"`
	// FileNames are the files, named below metadata/ ("root.json",
	// "targets/releases.json", "2.root.json"), sorted.
	FileNames []string `json:"files"`
	// Files are the files' bytes by those names (not in the manifest).
	Files map[string][]byte `json:"-"`
}

// TrustManifest is tuf/archive.json.
type TrustManifest struct {
	Format       string        `json:"format"`
	Version      string        `json:"trustvault_version"`
	Created      time.Time     `json:"created"`
	Repositories []TrustBundle `json:"repositories"`
}

// TrustArchive is a trust archive read back and its digests checked.
type TrustArchive struct {
	Path   string
	SHA256 string
	Size   int64
	// Sidecar is the .sha256 file the archive matched ("" when there is
	// none beside it).
	Sidecar string
	// Manifest is nil for a backup archive (trustvault backup), whose
	// cached metadata is read as bundles without a trust manifest.
	Manifest *TrustManifest
	Bundles  []TrustBundle
}

// Bundle returns the bundle of gun.
func (t *TrustArchive) Bundle(gun string) (*TrustBundle, bool) {
	for i := range t.Bundles {
		if t.Bundles[i].GUN == gun {
			return &t.Bundles[i], true
		}
	}
	return nil, false
}

// GUNs are the repositories the archive holds.
func (t *TrustArchive) GUNs() []string {
	out := make([]string, len(t.Bundles))
	for i, b := range t.Bundles {
		out[i] = b.GUN
	}
	return out
}

// validBundleName accepts the names below metadata/ that a bundle holds.
func validBundleName(name string) bool {
	base, ok := strings.CutSuffix(name, ".json")
	if !ok || base == "" || path.Clean(name) != name || strings.HasPrefix(name, "/") {
		return false
	}
	for _, part := range strings.Split(base, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// WriteTrustArchive writes bundles into a new trust archive at path
// (atomically, mode 0600; an existing file is never replaced) and its
// path.sha256 sidecar, then reads both back and checks them.
func WriteTrustArchive(path string, bundles []TrustBundle, now time.Time) (*TrustArchive, error) {
	if len(bundles) == 0 {
		return nil, errors.New("trust archive: no repositories to archive")
	}
	m := TrustManifest{Format: TrustArchiveFormat, Version: Version(), Created: now.UTC().Truncate(time.Second)}
	var files []archive.File
	seen := map[string]bool{}
	for _, b := range bundles {
		if err := checkArchiveGUN(b.GUN); err != nil {
			return nil, fmt.Errorf("trust archive: %w", err)
		}
		if seen[b.GUN] {
			return nil, fmt.Errorf("trust archive: %s given twice", b.GUN)
		}
		seen[b.GUN] = true
		b.FileNames = b.FileNames[:0:0]
		for name, data := range b.Files {
			if !validBundleName(name) {
				return nil, fmt.Errorf("trust archive: %s: file name %.80q is not a metadata file's", b.GUN, name)
			}
			b.FileNames = append(b.FileNames, name)
			files = append(files, archive.File{Name: bundleEntry(b.GUN, name), Data: data, ModTime: b.Gathered})
		}
		slices.Sort(b.FileNames)
		b.Gathered = b.Gathered.UTC().Truncate(time.Second)
		b.TimestampExpires = b.TimestampExpires.UTC()
		m.Repositories = append(m.Repositories, b)
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	files = append(files, archive.File{Name: TrustManifestName, Data: append(mj, '\n'), ModTime: m.Created})
	data, _, err := archive.Build(files, archive.BuildOptions{Version: m.Version, Created: m.Created, UID: os.Getuid(), GID: os.Getgid()})
	if err != nil {
		return nil, fmt.Errorf("trust archive: %w", err)
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%s exists; give another name, or move it away first (an archive is never overwritten)", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	sidecar := []byte(archive.SHA256(data) + "  " + filepath.Base(path) + "\n")
	if err := atomicfile.Write(path+".sha256", sidecar, 0o600); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write %s.sha256: %w", path, err)
	}
	back, err := ReadTrustArchive(path, nil)
	if err != nil {
		os.Remove(path)
		os.Remove(path + ".sha256")
		return nil, fmt.Errorf("%s did not read back (removed): %w", path, err)
	}
	return back, nil
}

// bundleEntry is the archive entry of a bundle's file.
func bundleEntry(gun, name string) string {
	return tufDir + "/" + gun + "/metadata/" + name
}

// ReadTrustArchive reads a trust archive (or a trustvault backup, whose
// cached metadata it reads as bundles; pass gives an encrypted backup's
// passphrase) and checks it against its .sha256 sidecar when one is
// beside it, and every entry against the manifests. It verifies no
// signature: that is remote.VerifyBundle's work on each bundle.
func ReadTrustArchive(path string, pass ArchivePassphraseFunc) (*TrustArchive, error) {
	data, err := archive.ReadFile(path, archive.MaxArchiveSize)
	if err != nil {
		return nil, err
	}
	t := &TrustArchive{Path: path, SHA256: archive.SHA256(data), Size: int64(len(data))}
	if t.Sidecar, err = checkSidecar(path, t.SHA256); err != nil {
		return nil, err
	}
	a, err := archive.Open(data, pass.archive(), archive.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if a.Kind != archive.KindTrustvault {
		return nil, fmt.Errorf("%s: a plain tar of private/ holds no trust metadata", path)
	}
	byName := map[string][]byte{}
	for _, f := range a.Files {
		byName[f.Name] = f.Data
	}
	if raw, ok := byName[TrustManifestName]; ok {
		m, err := ParseTrustManifest(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		t.Manifest = m
		if t.Bundles, err = manifestBundles(m, byName); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return t, nil
	}
	t.Bundles = cacheBundles(byName)
	if len(t.Bundles) == 0 {
		return nil, fmt.Errorf("%s holds no trust metadata (no tuf/<gun>/metadata/root.json)", path)
	}
	return t, nil
}

// checkSidecar compares the archive's digest with path.sha256, when it
// exists, and returns the sidecar's path ("" when there is none).
func checkSidecar(path, sum string) (string, error) {
	side, err := archive.ReadFile(path+".sha256", archive.MaxSidecarSize)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	fields := strings.Fields(string(side))
	if len(fields) == 0 || fields[0] != sum {
		return "", fmt.Errorf("%s: its SHA-256 is %s, but %s.sha256 says %.64q: the archive changed or is damaged", path, sum, path, firstField(fields))
	}
	return path + ".sha256", nil
}

func firstField(f []string) string {
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// manifestBundles collects each listed repository's files; every file
// below tuf/ must be listed, and every listed file present.
func manifestBundles(m *TrustManifest, byName map[string][]byte) ([]TrustBundle, error) {
	listed := map[string]bool{TrustManifestName: true}
	out := make([]TrustBundle, 0, len(m.Repositories))
	for _, b := range m.Repositories {
		b.Files = map[string][]byte{}
		for _, name := range b.FileNames {
			entry := bundleEntry(b.GUN, name)
			data, ok := byName[entry]
			if !ok {
				return nil, fmt.Errorf("%w: %s lists %s, which the archive does not hold", ErrArchiveManifest, TrustManifestName, entry)
			}
			b.Files[name] = data
			listed[entry] = true
		}
		out = append(out, b)
	}
	for name := range byName {
		if !listed[name] {
			return nil, fmt.Errorf("%w: %s is not listed in %s", ErrArchiveManifest, name, TrustManifestName)
		}
	}
	return out, nil
}

// cacheBundles reads a backup's tuf/<gun>/metadata/ directories.
func cacheBundles(byName map[string][]byte) []TrustBundle {
	var out []TrustBundle
	for name := range byName {
		rest, ok := strings.CutPrefix(name, tufDir+"/")
		gun, found := strings.CutSuffix(rest, "/metadata/root.json")
		if !ok || !found || gun == "" {
			continue
		}
		b := TrustBundle{GUN: gun, Files: map[string][]byte{}}
		prefix := tufDir + "/" + gun + "/metadata/"
		for n, data := range byName {
			if f, ok := strings.CutPrefix(n, prefix); ok && validBundleName(f) {
				b.Files[f] = data
				b.FileNames = append(b.FileNames, f)
			}
		}
		slices.Sort(b.FileNames)
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b TrustBundle) int { return strings.Compare(a.GUN, b.GUN) })
	return out
}

// ParseTrustManifest parses and checks tuf/archive.json: its format, and
// for each repository a GUN usable as a path, file names below metadata/,
// no GUN or file twice.
func ParseTrustManifest(data []byte) (*TrustManifest, error) {
	if len(data) > MaxTrustManifestSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than %d", ErrArchiveManifest, TrustManifestName, len(data), MaxTrustManifestSize)
	}
	var m TrustManifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %s is not valid: %v", ErrArchiveManifest, TrustManifestName, err)
	}
	if m.Format != TrustArchiveFormat {
		return nil, fmt.Errorf("%w: %s has format %.40q, want %q (made by a newer trustvault?)", ErrArchiveManifest, TrustManifestName, m.Format, TrustArchiveFormat)
	}
	guns := map[string]bool{}
	for _, b := range m.Repositories {
		if err := checkArchiveGUN(b.GUN); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrArchiveManifest, TrustManifestName, err)
		}
		if guns[b.GUN] {
			return nil, fmt.Errorf("%w: %s lists %s twice", ErrArchiveManifest, TrustManifestName, b.GUN)
		}
		guns[b.GUN] = true
		files := map[string]bool{}
		for _, f := range b.FileNames {
			if !validBundleName(f) || files[f] {
				return nil, fmt.Errorf("%w: %s: %s: file %.80q is not a metadata file's name, or is listed twice", ErrArchiveManifest, TrustManifestName, b.GUN, f)
			}
			files[f] = true
		}
	}
	if len(m.Repositories) == 0 {
		return nil, fmt.Errorf("%w: %s lists no repository", ErrArchiveManifest, TrustManifestName)
	}
	return &m, nil
}

// checkArchiveGUN accepts a GUN that names a directory below tuf/:
// path segments of letters, digits and . _ - : with no empty, "." or ".."
// segment.
func checkArchiveGUN(gun string) error {
	if gun == "" || len(gun) > 255 {
		return fmt.Errorf("GUN %.80q is not a repository name", gun)
	}
	for _, part := range strings.Split(gun, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("GUN %.80q is not a repository name", gun)
		}
	}
	for _, c := range gun {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-:/", c)) {
			return fmt.Errorf("GUN %.80q has %q, which a repository name cannot have", gun, c)
		}
	}
	return nil
}
