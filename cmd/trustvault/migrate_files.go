package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// newOutputDir makes dir for a migration's files: a new directory (0700),
// or an existing empty one. A directory that already holds files is refused,
// so that no earlier export is overwritten or mixed with this one.
func newOutputDir(dir string) error {
	if err := probeOutputDir(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return nil
}

// writeNewFile writes data to name, which must not exist: through a
// temporary file in the same directory (written, synced, given perm), then
// hard-linked to name, which fails rather than replace a file that appeared
// meanwhile. name holds either nothing or all of data.
func writeNewFile(name string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Link(tmp, name); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists; trustvault does not write over it", name)
		}
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// probeOutputDir reports whether newOutputDir would accept dir, without
// creating it.
func probeOutputDir(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("output directory %s is a file; name a new directory with -o", dir)
	}
	if _, err := f.Readdirnames(1); !errors.Is(err, io.EOF) {
		if err != nil {
			return fmt.Errorf("output directory %s: %w", dir, err)
		}
		return fmt.Errorf("output directory %s is not empty; trustvault never writes over files: name a new directory with -o", dir)
	}
	return nil
}

// outFile is one file of an export, relative to the output directory.
type outFile struct {
	rel  string
	data []byte
	perm os.FileMode
}

// writeExport makes the output directory and writes every file into it, each
// as writeNewFile does. When one fails, the files already written are
// removed again, so an export is there whole or not at all.
func writeExport(dir string, files []outFile) error {
	if err := newOutputDir(dir); err != nil {
		return err
	}
	var done []string
	for _, f := range files {
		name := filepath.Join(dir, filepath.FromSlash(f.rel))
		if err := writeNewFile(name, f.data, f.perm); err != nil {
			for _, d := range done {
				os.Remove(d)
			}
			return fmt.Errorf("%w (the files written before it were removed)", err)
		}
		done = append(done, name)
	}
	return nil
}
