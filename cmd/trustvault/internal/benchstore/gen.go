package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/trustvault/trustvault/vault/tuf"
)

// realKeys is how many distinct keys the generator makes and encrypts. A
// listing reads headers and encryption parameters only, so every other file
// reuses one of their encrypted bodies under a made-up ID: a million-key
// store is written in seconds rather than the minutes a fresh key and a
// fresh PBKDF2 for each file would take. The real keys keep their true IDs
// (listed in realIDsFile) and are the ones verify decrypts.
const (
	realKeys    = 64
	realIDsFile = "benchstore-real-ids"
)

type template struct {
	id    string
	block *pem.Block
}

func makeTemplates() ([]template, error) {
	t := make([]template, realKeys)
	errs := make([]error, realKeys)
	var wg sync.WaitGroup
	for i := range t {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				errs[i] = err
				return
			}
			id, err := tuf.CanonicalID(key.Public())
			if err != nil {
				errs[i] = err
				return
			}
			block, err := encryptNotary(key, passphrase)
			t[i], errs[i] = template{id, block}, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// generate writes n keys as notary would, spread over the CPUs: per 100
// keys one root key, 60 targets and 9 snapshot keys spread over 500
// repositories, 20 delegation keys and 10 docker signer keys.
func generate(dir string, n int) error {
	priv := filepath.Join(dir, "private")
	if err := os.MkdirAll(priv, 0o700); err != nil {
		return err
	}
	t, err := makeTemplates()
	if err != nil {
		return err
	}
	var ids []string
	for i := range min(n, len(t)) {
		ids = append(ids, t[i].id)
	}
	if err := os.WriteFile(filepath.Join(dir, realIDsFile), []byte(strings.Join(ids, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	workers := runtime.NumCPU() * 2 // file creation waits on the disk as much as on the CPU
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n && errs[w] == nil; i += workers {
				errs[w] = writeKey(priv, i, t)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func writeKey(privDir string, i int, t []template) error {
	tp := t[i%len(t)]
	id := tp.id
	if i >= len(t) {
		sum := sha256.Sum256(fmt.Appendf(nil, "benchstore key %d", i))
		id = hex.EncodeToString(sum[:])
	}
	role, gun := labels(i)
	block := &pem.Block{Type: tp.block.Type, Bytes: tp.block.Bytes, Headers: map[string]string{"role": role}}
	if gun != "" {
		block.Headers["gun"] = gun
	}
	return os.WriteFile(filepath.Join(privDir, id+".key"), pem.EncodeToMemory(block), 0o600)
}

// realIDs reads the IDs of the keys verify may decrypt.
func realIDs(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, realIDsFile))
	if err != nil {
		return nil, fmt.Errorf("%w (a store made by an older benchstore: remove it)", err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			ids = append(ids, line)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s lists no key", filepath.Join(dir, realIDsFile))
	}
	return ids, sc.Err()
}
