package vault

import (
	"io/fs"
	"os"
	"path/filepath"
)

// PrivateDirInfo is what health needs to know about <trust dir>/private.
type PrivateDirInfo struct {
	Path   string
	Exists bool
	// Symlink is set when private/ itself is a symbolic link; Target is
	// where it leads.
	Symlink bool
	Target  string
	// Mode is the mode of the directory (of its target, for a symlink).
	Mode fs.FileMode
}

// PrivateDirInfo reads the mode of private/ and whether it is a link.
func (s *Store) PrivateDirInfo() PrivateDirInfo {
	info := PrivateDirInfo{Path: s.PrivateDir()}
	fi, err := os.Lstat(info.Path)
	if err != nil {
		return info
	}
	info.Exists = true
	info.Mode = fi.Mode()
	if fi.Mode()&fs.ModeSymlink != 0 {
		info.Symlink = true
		info.Target, _ = filepath.EvalSymlinks(info.Path)
		if st, err := os.Stat(info.Path); err == nil {
			info.Mode = st.Mode()
		}
	}
	return info
}
