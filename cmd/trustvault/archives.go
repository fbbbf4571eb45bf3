package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
)

// archiveExts end the names of files that may be backup archives:
// trustvault's (keys-backup-<UTC>.tar.gz, .tar.gz.age) and docker's
// documented tar of private/.
var archiveExts = []string{".tar.gz", ".tgz", ".tar", ".tar.gz.age", ".age"}

// maxFolderEntries bounds how much of a folder is looked at for archives.
const maxFolderEntries = 10000

type foundArchive struct {
	path string
	mod  time.Time
	size int64
}

// checkArchiveArg refuses a folder (a drive's mount point, say) given where
// a backup archive belongs: a usage error that lists the archives in the
// folder and one level below, newest first, each as the command to run
// with it. It does not pick one: which copy to trust is the person's call.
// Anything else is left to the engine, which names what is wrong.
func (a *app) checkArchiveArg(verb, path string) error {
	fi, err := os.Stat(path)
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(verb, fmt.Errorf("%s does not exist: give the path of a backup archive (trustvault devices lists the drives)", path))
	case errors.As(err, &pe):
		return fail(verb, fmt.Errorf("%s: %w", path, pe.Err))
	case err != nil || !fi.IsDir():
		return nil
	}
	found := findArchives(path, 1)
	if len(found) == 0 {
		return usage("%s is a folder with no backup archive in it (keys-backup-*.tar.gz): give the path of an archive", path)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s is a folder; name one of the %s in it, for example:", path, plural(len(found), "backup archive", "backup archives"))
	for _, f := range found {
		fmt.Fprintf(&b, "\n  %s   # %s, %s", a.command(verb, f.path), f.mod.UTC().Format("2006-01-02 15:04 UTC"), vault.SizeString(uint64(f.size)))
	}
	return usage("%s", b.String())
}

// findArchives lists the files in dir, and depth levels of folders below
// it, whose names end as archives do, newest first.
func findArchives(dir string, depth int) []foundArchive {
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	entries, _ := f.ReadDir(maxFolderEntries)
	f.Close()
	var out []foundArchive
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() && depth > 0 && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, findArchives(p, depth-1)...)
			continue
		}
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") || !hasArchiveExt(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil {
			out = append(out, foundArchive{path: p, mod: fi.ModTime(), size: fi.Size()})
		}
	}
	slices.SortFunc(out, func(x, y foundArchive) int {
		if c := y.mod.Compare(x.mod); c != 0 {
			return c
		}
		return strings.Compare(y.path, x.path)
	})
	return out
}

func hasArchiveExt(name string) bool {
	for _, ext := range archiveExts {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}
