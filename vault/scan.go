package vault

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// ScanKeys lists the key files below private/ as Keys does, but hands each
// Key to fn as soon as it is read instead of collecting them: its memory
// does not grow with the number of keys. The files are read on every CPU;
// fn is called from several goroutines at once, in no particular order,
// and must not keep k (it is reused).
//
// The walk reads a directory 4,096 names at a time and hands the key files
// on in batches of scanBatch; it waits while a batch for each reader is
// already queued, so what it holds is a chunk of names and a few batches,
// however large a directory is.
func (s *Store) ScanKeys(fn func(k *Key)) error {
	root := s.PrivateDir()
	walkRoot := root
	if resolved, err := filepath.EvalSymlinks(root); err == nil {
		walkRoot = resolved
	} else if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	workers := max(runtime.GOMAXPROCS(0), 1)
	batches := make(chan []string, workers)
	var wg sync.WaitGroup
	// The workers start with the first batch: an empty store (a start-up
	// cost every script pays) starts none.
	var once sync.Once
	start := func() { once.Do(func() { startScanWorkers(workers, &wg, batches, root, walkRoot, fn) }) }
	err := scanDir(walkRoot, "", batches, start)
	close(batches)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("list %s: %w", root, err)
	}
	return nil
}

// startScanWorkers starts the goroutines that read the batches' files.
func startScanWorkers(workers int, wg *sync.WaitGroup, batches <-chan []string, root, walkRoot string, fn func(k *Key)) {
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			files := newDirFiles(walkRoot)
			defer files.close()
			var k Key
			for batch := range batches {
				for _, rel := range batch {
					k = readKeyWith(joinClean(root, rel), rel, func() (fileStat, []byte, error) {
						return files.read(rel, maxKeyFile)
					})
					fn(&k)
				}
			}
		}()
	}
}

// joinClean is filepath.Join(dir, filepath.FromSlash(rel)) for a clean
// dir and a clean relative rel (what the walk makes), without Join's
// cleaning: at 100,000 keys two Joins a key were 3% of listing's CPU.
func joinClean(dir, rel string) string {
	rel = filepath.FromSlash(rel)
	if dir == "" {
		return rel
	}
	if os.IsPathSeparator(dir[len(dir)-1]) {
		return dir + rel
	}
	return dir + string(filepath.Separator) + rel
}

// scanBatch is how many file names go to a worker at once.
const scanBatch = 256

// scanDir sends the *.key files below walkRoot/rel in batches, a batch
// holding files of one directory (each worker then opens them relative to
// it).
func scanDir(walkRoot, rel string, out chan<- []string, start func()) error {
	var batch []string
	flush := func() {
		if len(batch) > 0 {
			start()
			out <- batch
			batch = nil
		}
	}
	err := walkKeyFiles(walkRoot, rel, func(rel string) {
		if batch == nil {
			batch = make([]string, 0, scanBatch)
		}
		batch = append(batch, rel)
		if len(batch) == scanBatch {
			flush()
		}
	}, flush)
	flush() // an unreadable last subdirectory's entry
	return err
}

// openKeyDir is openDir; tests make it fail.
var openKeyDir = openDir

// walkKeyFiles calls file with each *.key file below walkRoot/rel (its path
// relative to walkRoot, slash-separated), a directory's files one after
// another, and dirDone after each directory's. Symbolic links are not
// followed (notary does not load keys through them). A subdirectory that
// cannot be opened or read is passed to file as an entry of its own, which
// the reader lists as unreadable, after the files read from it before the
// error; walkRoot itself failing is the error returned. A directory is
// read in chunks, so a million names are never held at once.
func walkKeyFiles(walkRoot, rel string, file func(rel string), dirDone func()) error {
	failed := func(err error) error {
		if rel == "" {
			return err
		}
		file(rel)
		return nil
	}
	f, err := openKeyDir(filepath.Join(walkRoot, filepath.FromSlash(rel)))
	if err != nil {
		return failed(err)
	}
	defer f.Close()
	join := func(name string) string {
		if rel == "" {
			return name
		}
		return rel + "/" + name
	}
	var subdirs []string
	for {
		ents, rerr := f.ReadDir(4096)
		for _, e := range ents {
			switch {
			case e.Type()&fs.ModeSymlink != 0:
			case e.IsDir():
				subdirs = append(subdirs, join(e.Name()))
			case strings.HasSuffix(e.Name(), keyExt):
				file(join(e.Name()))
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			dirDone()
			return failed(rerr)
		}
	}
	dirDone()
	for _, sub := range subdirs {
		if err := walkKeyFiles(walkRoot, sub, file, dirDone); err != nil {
			return err
		}
	}
	return nil
}
