//go:build !unix

package vault

import (
	"os"
	"path/filepath"
)

// dirFiles reads files below root.
type dirFiles struct{ root string }

func newDirFiles(root string) *dirFiles { return &dirFiles{root: root} }

func (d *dirFiles) read(rel string, limit int64) (fileStat, []byte, error) {
	return readSmall(filepath.Join(d.root, filepath.FromSlash(rel)), limit)
}

func (d *dirFiles) close() {}

// openDir opens a directory to read its entries.
func openDir(name string) (*os.File, error) { return os.Open(name) }
