package remote

// The trust directory's metadata cache, in notary's layout:
// <trust dir>/tuf/<gun>/metadata/{root,targets,snapshot,timestamp}.json
// and metadata/targets/<name>.json for delegation "targets/<name>".

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/trustvault/trustvault/vault/internal/atomicfile"
	"github.com/trustvault/trustvault/vault/internal/fsread"
	"github.com/trustvault/trustvault/vault/tuf"
)

// MetadataDir is the cache directory of a GUN's metadata.
func MetadataDir(trustDir, gun string) string {
	return filepath.Join(trustDir, "tuf", filepath.FromSlash(gun), "metadata")
}

// ValidGUN reports whether gun can name a repository on a server and a
// directory of the cache: path segments of letters, digits and . _ - :
// with no empty, "." or ".." segment.
func ValidGUN(gun string) error {
	if gun == "" || len(gun) > 255 || !tuf.ValidRoleName(gun) {
		return fmt.Errorf("GUN %.80q is not a repository name", gun)
	}
	for _, c := range gun {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-:/", c)) {
			return fmt.Errorf("GUN %.80q has %q, which a repository name cannot have", gun, c)
		}
	}
	return nil
}

// ReadCache reads a GUN's cached metadata files by role name ("root",
// "targets/releases", …). A GUN with nothing cached gives an empty map.
func ReadCache(trustDir, gun string) (map[string][]byte, error) {
	dir := MetadataDir(trustDir, gun)
	files := map[string][]byte{}
	for _, role := range []string{"root", "timestamp", "snapshot", "targets"} {
		data, err := fsread.File(filepath.Join(dir, role+".json"), tuf.MaxMetadataSize)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cached metadata: %w", err)
		}
		files[role] = data
	}
	delDir := filepath.Join(dir, "targets")
	err := filepath.WalkDir(delDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == delDir && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") || atomicfile.IsTemp(d.Name()) {
			return nil
		}
		if len(files) > tuf.MaxDelegations {
			return fmt.Errorf("%s: more than %d delegation files", delDir, tuf.MaxDelegations)
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		data, err := fsread.File(path, tuf.MaxMetadataSize)
		if err != nil {
			return err
		}
		files[strings.TrimSuffix(filepath.ToSlash(rel), ".json")] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cached metadata: %w", err)
	}
	return files, nil
}

// LoadCache verifies a GUN's cached metadata as a whole, without expiry
// (its age does not matter to a trust anchor). It returns nil when nothing
// is cached. When the whole does not verify but the root does, the root
// alone is returned with the problem (a cache half written by another
// tool); when the root does not, the error says to move the cache away.
func LoadCache(trustDir, gun string, pin tuf.TrustPinning) (*tuf.Repo, []string, error) {
	files, err := ReadCache(trustDir, gun)
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, nil
	}
	pin.DisableTOFU = false // the cache was trusted when it was written
	repo, err := tuf.VerifyFiles(gun, files, nil, pin, tuf.ZeroTime)
	if err == nil {
		return repo, nil, nil
	}
	dir := MetadataDir(trustDir, gun)
	root, rerr := tuf.ValidateRoot(nil, files["root"], gun, pin, tuf.ZeroTime)
	if rerr != nil {
		return nil, nil, fmt.Errorf("cached root.json in %s does not verify (%v); move %s away to trust the server's root anew", dir, rerr, dir)
	}
	only := &tuf.Repo{GUN: gun, Root: root, Files: map[string][]byte{"root": files["root"]},
		Delegations: map[string]*tuf.Metadata{}}
	return only, []string{fmt.Sprintf("cached metadata in %s did not verify beyond root.json (%v); only its root is trusted", dir, err)}, nil
}

// writeOrder is the order files are replaced in: delegations, then each
// base role after the files it describes, the timestamp last.
func writeOrder(files map[string][]byte) []string {
	var out []string
	for role := range files {
		if strings.HasPrefix(role, "targets/") {
			out = append(out, role)
		}
	}
	sortStrings(out)
	return append(out, "targets", "snapshot", "root", "timestamp")
}

// writeCache replaces the cached files that changed, each atomically
// (mode 0600, directories 0700), and removes delegation files the new
// metadata no longer has.
func writeCache(trustDir, gun string, repo *tuf.Repo, old map[string][]byte) (written, removed []string, err error) {
	dir := MetadataDir(trustDir, gun)
	for _, role := range writeOrder(repo.Files) {
		data, ok := repo.Files[role]
		if !ok || string(old[role]) == string(data) {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(role)+".json")
		if err := atomicfile.MkdirAll(filepath.Dir(path)); err != nil {
			return written, removed, err
		}
		if err := atomicfile.Write(path, data, 0o600); err != nil {
			return written, removed, fmt.Errorf("write %s: %w", path, err)
		}
		written = append(written, path)
	}
	for role := range old {
		if _, keep := repo.Files[role]; keep || !strings.HasPrefix(role, "targets/") {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(role)+".json")
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return written, removed, fmt.Errorf("remove %s: %w", path, err)
		}
		removed = append(removed, path)
	}
	sortStrings(removed)
	if len(removed) > 0 {
		_ = atomicfile.SyncDir(dir)
	}
	return written, removed, nil
}
