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
// does not grow with the number of keys beyond one directory's names. The
// files are read on every CPU; fn is called from several goroutines at
// once, in no particular order, and must not keep k (it is reused).
//
// It walks one directory at a time and reads each directory's files before
// the next is listed, so the walk's own memory is one directory's entries.
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

// scanDir sends the *.key files of dir (rel below the walk's root) in
// batches, then descends into its subdirectories. Symbolic links are skipped
// as Keys skips them; an unreadable subdirectory is sent as an entry of its
// own, which the reader lists as unreadable.
func scanDir(walkRoot, rel string, out chan<- []string, start func()) error {
	send := func(b []string) {
		start()
		out <- b
	}
	f, err := openDir(filepath.Join(walkRoot, filepath.FromSlash(rel)))
	if err != nil {
		if rel == "" {
			return err
		}
		send([]string{rel})
		return nil
	}
	defer f.Close()
	var subdirs []string
	batch := make([]string, 0, scanBatch)
	join := func(name string) string {
		if rel == "" {
			return name
		}
		return rel + "/" + name
	}
	for {
		ents, rerr := f.ReadDir(4096)
		for _, e := range ents {
			switch {
			case e.Type()&fs.ModeSymlink != 0:
			case e.IsDir():
				subdirs = append(subdirs, join(e.Name()))
			case strings.HasSuffix(e.Name(), keyExt):
				batch = append(batch, join(e.Name()))
				if len(batch) == scanBatch {
					send(batch)
					batch = make([]string, 0, scanBatch)
				}
			}
		}
		if rerr != nil {
			if len(batch) > 0 {
				send(batch)
			}
			if !errors.Is(rerr, io.EOF) {
				if rel == "" {
					return rerr
				}
				send([]string{rel})
				return nil
			}
			break
		}
	}
	for _, sub := range subdirs {
		if err := scanDir(walkRoot, sub, out, start); err != nil {
			return err
		}
	}
	return nil
}
