package vault

// The layouts a trust directory has, which is all a restore writes and
// all a backup takes.

import (
	"fmt"
	"path"
	"strings"
)

// Bounds of a path in a backup, relative to the trust directory. A GUN
// is a few segments ("registry:5000/team/app"), a delegation a few more
// ("targets/releases/qa"); these leave room many times over while keeping
// <trust dir>/<path> well inside PATH_MAX (4096).
const (
	// MaxPathDepth is the most segments of a path ("tuf/docker.io/library/
	// alpine/metadata/root.json" has six).
	MaxPathDepth = 32
	// MaxPathLen is the most bytes of a path.
	MaxPathLen = 1024
	// MaxNameLen is the most bytes of one segment (NAME_MAX).
	MaxNameLen = 255
)

// layoutHelp lists what a restore accepts, for errors.
const layoutHelp = "a backup holds only private/<key ID>.key, private/root_keys/<key ID>_<role>.key, " +
	"private/tuf_keys/<GUN>/<key ID>_<role>.key, tuf/<GUN>/metadata/<role>.json and tuf/<GUN>/changelist/<file>"

// checkPathBounds refuses a path deeper or longer than the bounds.
func checkPathBounds(name string) error {
	parts := strings.Split(name, "/")
	switch {
	case len(name) > MaxPathLen:
		return fmt.Errorf("%.60q... is %d bytes long, more than the %d a path in a trust directory may be", name, len(name), MaxPathLen)
	case len(parts) > MaxPathDepth:
		return fmt.Errorf("%.60q... is %d directories deep, more than the %d a path in a trust directory may be", name, len(parts), MaxPathDepth)
	}
	for _, p := range parts {
		if len(p) > MaxNameLen {
			return fmt.Errorf("%.60q... has a name of %d bytes, more than the %d a file name may be", name, len(p), MaxNameLen)
		}
		if p == "" || p == "." || p == ".." {
			return fmt.Errorf("%q has an empty, . or .. name", name)
		}
	}
	return nil
}

// checkLayout accepts only what a trust directory holds: key files in
// the flat and the two legacy layouts, and a GUN's metadata and
// changelist under tuf/. dir says the entry is a directory, which need
// only lie on the way to one of those.
func checkLayout(name string, dir bool) error {
	if err := checkPathBounds(name); err != nil {
		return err
	}
	parts := strings.Split(name, "/")
	if dir {
		if parts[0] == privateDir || parts[0] == tufDir {
			if parts[0] == privateDir && len(parts) >= 2 && parts[1] != legacyRootDir && parts[1] != legacyTUFDir {
				return fmt.Errorf("directory %q is not one a trust directory has (%s)", name, layoutHelp)
			}
			if parts[0] == privateDir && len(parts) > 2 && parts[1] == legacyRootDir {
				return fmt.Errorf("directory %q is not one a trust directory has (%s)", name, layoutHelp)
			}
			return nil
		}
		return fmt.Errorf("directory %q is outside private/ and tuf/", name)
	}
	ok := false
	switch parts[0] {
	case privateDir:
		ok = keyLayoutOK(parts[1:])
	case tufDir:
		ok = metadataLayoutOK(parts[1:])
	}
	if !ok {
		return fmt.Errorf("file %q is not where a trust directory keeps a file (%s)", name, layoutHelp)
	}
	return nil
}

func keyLayoutOK(parts []string) bool {
	if len(parts) == 0 || !strings.HasSuffix(parts[len(parts)-1], keyExt) {
		return false
	}
	base := strings.TrimSuffix(parts[len(parts)-1], keyExt)
	id, role, _ := strings.Cut(base, "_")
	switch {
	case len(parts) == 1:
		return IsKeyID(base)
	case parts[0] == legacyRootDir:
		return len(parts) == 2 && IsKeyID(id) && role != ""
	case parts[0] == legacyTUFDir:
		return len(parts) >= 3 && IsKeyID(id) && role != ""
	}
	return false
}

// metadataLayoutOK: <gun...>/metadata/<role...>.json or
// <gun...>/changelist/<file>, the GUN at least one segment.
func metadataLayoutOK(parts []string) bool {
	for i := 1; i < len(parts)-1; i++ {
		switch parts[i] {
		case "metadata":
			if path.Ext(parts[len(parts)-1]) == ".json" {
				return true
			}
		case "changelist":
			if i == len(parts)-2 {
				return true
			}
		}
	}
	return false
}
