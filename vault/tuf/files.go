package tuf

// Verifying a repository from files already at hand: a trust directory's
// cache, or an archive.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RootVersionName names root version n among the files VerifyFiles takes
// ("3.root"), as the server names its download ("3.root.json").
func RootVersionName(n int) string { return strconv.Itoa(n) + ".root" }

// ParseRootVersionName is the inverse of RootVersionName.
func ParseRootVersionName(name string) (int, bool) {
	num, ok := strings.CutSuffix(name, ".root")
	if !ok || num == "" || len(num) > 9 || strings.TrimLeft(num, "0123456789") != "" || num[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	return n, err == nil
}

// VerifyFiles verifies a repository's metadata from files keyed by role
// name ("root", "timestamp", "snapshot", "targets", "targets/releases", …)
// as Verifier does. Root versions named by RootVersionName are walked in
// order first, each signed by the one before; the first of them (or
// "root", when there are none) is trusted through the pinning, or because
// trusted (which may be nil) holds it. A delegation the snapshot lists but
// files lack is left out and recorded in Repo.Skipped.
func VerifyFiles(gun string, files map[string][]byte, trusted *Repo, pin TrustPinning, at time.Time) (*Repo, error) {
	v := NewVerifier(gun, trusted, pin, at)
	var versions []int
	for name := range files {
		if n, ok := ParseRootVersionName(name); ok {
			versions = append(versions, n)
		}
	}
	slices.Sort(versions)
	for _, n := range versions {
		if cur := v.Root(); cur != nil && n <= cur.Version {
			continue
		}
		if err := v.AddRoot(files[RootVersionName(n)]); err != nil {
			return nil, fmt.Errorf("root version %d: %w", n, err)
		}
	}
	if data, ok := files["root"]; ok {
		if err := v.AddRoot(data); err != nil {
			return nil, err
		}
	} else if v.Root() == nil {
		return nil, fmt.Errorf("root.json: %w", ErrMissing)
	}
	for _, role := range []string{"timestamp", "snapshot", "targets"} {
		if _, ok := files[role]; !ok {
			return nil, fmt.Errorf("%s.json: %w", role, ErrMissing)
		}
	}
	if _, err := v.Timestamp(files["timestamp"]); err != nil {
		return nil, err
	}
	if err := v.Snapshot(files["snapshot"]); err != nil {
		return nil, err
	}
	if err := v.Targets(files["targets"]); err != nil {
		return nil, err
	}
	for {
		role, _, ok := v.Next()
		if !ok {
			break
		}
		data, have := files[role.Name]
		if !have {
			v.Skip(role.Name, fmt.Errorf("%s.json: %w", role.Name, ErrMissing))
			continue
		}
		if err := v.Delegation(role.Name, data); err != nil {
			return nil, err
		}
	}
	return v.Finish()
}

// ZeroTime is the "at" that checks neither expiry nor certificate
// validity, for loading a copy trusted earlier.
var ZeroTime time.Time
