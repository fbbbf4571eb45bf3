//go:build !linux

package vault

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// readSmall reads a small file without following a symbolic link. When the
// file is larger than limit, or not a regular file, it returns what stat
// said and an error.
func readSmall(path string, limit int64) (fileStat, []byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileStat{}, nil, err
	}
	info := fileStat{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime()}
	if !fi.Mode().IsRegular() {
		return info, nil, errNotRegular
	}
	if fi.Size() > limit {
		return info, nil, fmt.Errorf("%d bytes is too large for a key file", fi.Size())
	}
	f, err := os.Open(path)
	if err != nil {
		return info, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit))
	return info, data, err
}

// dirFiles reads files below root.
type dirFiles struct{ root string }

func newDirFiles(root string) *dirFiles { return &dirFiles{root: root} }

func (d *dirFiles) read(rel string, limit int64) (fileStat, []byte, error) {
	return readSmall(filepath.Join(d.root, filepath.FromSlash(rel)), limit)
}

func (d *dirFiles) close() {}
