package vault

// Reading the TUF metadata cache: tuf/<gun>/metadata/*.json, matched against
// the keys of the store.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/tuf"
)

// Repositories lists the repositories whose metadata is cached under
// tuf/, sorted by GUN, with their roles matched against the store's keys.
// A missing tuf/ directory means no repositories. Directories that cannot be
// read are reported in the error, together with what could be listed.
func (s *Store) Repositories() ([]Repository, error) {
	keys, err := s.Keys()
	if err != nil {
		return nil, err
	}
	return ReadRepositories(s.Dir(), keys)
}

// ReadRepositories finds every GUN under <trustDir>/tuf and reads it with
// ReadRepository. The error, if any, joins the directories that could not be
// read; the repositories found are returned either way.
func ReadRepositories(trustDir string, keys []Key) ([]Repository, error) {
	guns, err := FindGUNs(trustDir)
	repos := make([]Repository, 0, len(guns))
	for _, gun := range guns {
		repos = append(repos, ReadRepository(trustDir, gun, keys))
	}
	return repos, err
}

// FindGUNs walks <trustDir>/tuf and returns, sorted, the GUN of every
// directory that holds a metadata/ directory: the path below tuf/ with
// slashes ("docker.io/library/alpine", "host:4443/team/app"). It does not
// descend into a GUN's metadata/ or changelist/ (unless one of them holds a
// metadata/ of its own: a GUN ending in "metadata"), nor follow symlinks.
func FindGUNs(trustDir string) ([]string, error) {
	root := filepath.Join(trustDir, "tuf")
	if _, err := os.Lstat(root); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var guns []string
	var problems []error
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			problems = append(problems, err)
			return nil // the walk skips the unreadable directory
		}
		if !d.IsDir() {
			return nil
		}
		parent := filepath.Dir(path)
		if path != root && isGUNDir(parent) && (d.Name() == "metadata" || d.Name() == "changelist") && !isDir(filepath.Join(path, "metadata")) {
			return fs.SkipDir
		}
		if path != root && isGUNDir(path) {
			rel, err := filepath.Rel(root, path)
			if err == nil {
				guns = append(guns, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list repositories in %s: %w", root, err)
	}
	slices.Sort(guns)
	return guns, errors.Join(problems...)
}

// isGUNDir reports whether dir is a repository: it holds a metadata/
// directory. When that directory holds a metadata/ of its own (the GUN
// <dir>/metadata), dir counts only if its metadata/ also holds JSON files.
func isGUNDir(dir string) bool {
	meta := filepath.Join(dir, "metadata")
	if !isDir(meta) {
		return false
	}
	if !isDir(filepath.Join(meta, "metadata")) {
		return true
	}
	files, _ := filepath.Glob(filepath.Join(meta, "*.json"))
	return len(files) > 0
}

func isDir(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir()
}

// baseRoles are the roles root.json names, in the order trustvault shows
// them.
var baseRoleOrder = [...]string{"root", "targets", "snapshot", "timestamp"}

var baseRoleTypes = map[string]string{
	"root": tuf.TypeRoot, "targets": tuf.TypeTargets, "snapshot": tuf.TypeSnapshot, "timestamp": tuf.TypeTimestamp,
}

// ReadRepository reads one GUN's cached metadata and matches the keys it
// names against keys (the store's key files). It never fails: files that
// cannot be read or parsed go to Problems, and what could be read is
// returned.
//
// Base roles come from root.json "roles" (key IDs, threshold) and from
// their own files (expiry, version). Delegations come from targets.json and
// from the delegation files it leads to (metadata/targets/<name>.json),
// sorted by name. A key is LocationToken when keys hold it with Token set
// (see WithTokens), LocationFile when a readable key file has its
// canonical ID, LocationDamaged when a key file with that ID is here but
// cannot be read or parsed, else LocationServer for snapshot and
// timestamp, else LocationMissing.
func ReadRepository(trustDir, gun string, keys []Key) Repository {
	dir := filepath.Join(trustDir, "tuf", filepath.FromSlash(gun))
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	rr := repoReader{
		repo:    Repository{GUN: gun, Dir: dir},
		metaDir: filepath.Join(dir, "metadata"),
		files:   KeyFilesByID(keys),
		damaged: damagedByID(keys),
	}
	rr.readBaseRoles()
	rr.readDelegations()
	return rr.repo
}

// repoReader carries the state of one ReadRepository call.
type repoReader struct {
	repo    Repository
	metaDir string
	files   map[string]*Key
	damaged map[string]Key
	targets *tuf.Metadata // targets.json, when readable
}

// damagedByID maps key IDs to key files that carry the ID in their name
// but cannot be read or parsed.
func damagedByID(keys []Key) map[string]Key {
	m := map[string]Key{}
	for _, k := range keys {
		if k.Err != nil && IsKeyID(k.ID) {
			m[k.ID] = k
		}
	}
	return m
}

// FilesByID indexes readable key files by canonical ID, preferring the
// flat layout when a key is in several places.
func FilesByID(keys []Key) map[string]Key {
	byID := KeyFilesByID(keys)
	m := make(map[string]Key, len(byID))
	for id, k := range byID {
		m[id] = *k
	}
	return m
}

// KeyFilesByID is FilesByID pointing into keys rather than copying them:
// at 100,000 keys the copies were 30 MB.
func KeyFilesByID(keys []Key) map[string]*Key {
	m := make(map[string]*Key, len(keys))
	for i := range keys {
		k := &keys[i]
		if k.Err != nil || k.ID == "" {
			continue
		}
		if have, ok := m[k.ID]; ok && (have.Layout == LayoutFlat || k.Layout != LayoutFlat) {
			continue
		}
		m[k.ID] = k
	}
	return m
}

// read reads a metadata file by role name; a missing file is (nil, nil), any
// other failure is recorded as a problem and returned (with nil).
func (rr *repoReader) read(role, wantType string) (*tuf.Metadata, error) {
	path := filepath.Join(rr.metaDir, filepath.FromSlash(role)+".json")
	m, err := tuf.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		rr.repo.Problems = append(rr.repo.Problems, err)
		return nil, err
	case m.Type != wantType:
		err := fmt.Errorf("%s: _type is %.40q, want %q", path, m.Type, wantType)
		rr.repo.Problems = append(rr.repo.Problems, err)
		return nil, err
	}
	return m, nil
}

// readBaseRoles fills root, targets, snapshot and timestamp.
func (rr *repoReader) readBaseRoles() {
	root, rootErr := rr.read("root", tuf.TypeRoot)
	for _, name := range baseRoleOrder {
		own, ownErr := root, rootErr
		if name != "root" {
			own, ownErr = rr.read(name, baseRoleTypes[name])
		}
		if name == "targets" {
			rr.targets = own
		}
		var spec tuf.Role
		named := false
		if root != nil {
			spec, named = root.Roles[name]
		}
		if !named && own == nil && ownErr == nil {
			continue
		}
		ri := RoleInfo{Name: name, Kind: keyrole.KindOf(name), Threshold: spec.Threshold}
		setOwnMetadata(&ri, own, ownErr)
		if root != nil {
			ri.Keys = rr.roleKeys(name, spec.KeyIDs, root.Keys, "root.json")
		}
		rr.repo.Roles = append(rr.repo.Roles, ri)
	}
}

// setOwnMetadata copies expiry and version from the role's own file, or
// records why it could not be read.
func setOwnMetadata(ri *RoleInfo, own *tuf.Metadata, err error) {
	if err != nil {
		ri.Metadata, ri.MetadataErr = MetadataDamaged, err
		return
	}
	if own == nil {
		return
	}
	ri.Metadata = MetadataCached
	ri.HasMetadata = true
	ri.Expires = own.Expires
	ri.Version = own.Version
}

// readDelegations walks the delegation tree from targets.json, breadth
// first. Child role names extend their parent's ("targets/a/b" under
// "targets/a"), so the walk cannot loop; it is bounded all the same.
func (rr *repoReader) readDelegations() {
	if rr.targets == nil {
		return
	}
	var roles []RoleInfo
	seen := map[string]bool{}
	queue := []struct {
		parent string
		meta   *tuf.Metadata
	}{{"targets", rr.targets}}
	for len(queue) > 0 && len(roles) < tuf.MaxDelegations {
		p := queue[0]
		queue = queue[1:]
		for _, d := range p.meta.Delegations {
			if seen[d.Name] || !strings.HasPrefix(d.Name, p.parent+"/") || !tuf.ValidRoleName(d.Name) || len(roles) >= tuf.MaxDelegations {
				continue
			}
			seen[d.Name] = true
			ri := RoleInfo{Name: d.Name, Kind: keyrole.Delegation, Threshold: d.Threshold}
			ri.Keys = rr.roleKeys(d.Name, d.KeyIDs, p.meta.Keys, p.parent+".json")
			own, err := rr.read(d.Name, tuf.TypeTargets)
			setOwnMetadata(&ri, own, err)
			if own != nil {
				queue = append(queue, struct {
					parent string
					meta   *tuf.Metadata
				}{d.Name, own})
			}
			roles = append(roles, ri)
		}
	}
	slices.SortFunc(roles, func(a, b RoleInfo) int { return strings.Compare(a.Name, b.Name) })
	rr.repo.Roles = append(rr.repo.Roles, roles...)
}

// roleKeys describes the keys a role names, looking their types up in keys
// (from the file named by source) and their private parts up in the store.
func (rr *repoReader) roleKeys(role string, ids []string, keys map[string]tuf.Key, source string) []RoleKey {
	out := make([]RoleKey, 0, len(ids))
	for _, tufID := range ids {
		rk := RoleKey{TUFID: tufID, ID: tufID}
		if k, ok := keys[tufID]; ok {
			rk.KeyType = k.Type
			id, err := k.CanonicalID()
			if err != nil {
				rr.repo.Problems = append(rr.repo.Problems, fmt.Errorf("%s: key %s of role %s: %w",
					filepath.Join(rr.metaDir, source), ShortID(tufID), role, err))
			} else {
				rk.ID = id
			}
		}
		rk.Location, rk.Path = rr.locate(role, rk.ID)
		switch rk.Location {
		case LocationToken:
			rk.Token = rr.files[rk.ID].Token
		case LocationDamaged:
			rk.Err = rr.damaged[rk.ID].Err
		}
		out = append(out, rk)
	}
	return out
}

// locate says where a key's private part is.
func (rr *repoReader) locate(role, id string) (Location, string) {
	if k, ok := rr.files[id]; ok {
		if k.Token != nil { // on a token: it wins over a file copy
			return LocationToken, k.Path
		}
		return LocationFile, k.Path
	}
	if k, ok := rr.damaged[id]; ok {
		return LocationDamaged, k.Path
	}
	switch keyrole.KindOf(role) {
	case keyrole.Snapshot, keyrole.Timestamp:
		return LocationServer, ""
	default:
		return LocationMissing, ""
	}
}
