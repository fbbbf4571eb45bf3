// Command benchstore times `trustvault list --json` against `notary key list`
// on a trust directory of many keys (10,000 by default), as `make bench` runs
// it: median wall time over several runs of each, and peak memory.
//
// The store is made by a fast generator (gen.go) that writes the same bytes
// notary v0.7.0 writes (PKCS#8 PBES2 with notary's 2048 PBKDF2 iterations),
// with a mix of roles and GUNs; a few keys are decrypted with the vault
// afterwards to prove the generator right.
package main

import (
	"cmp"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trustvault/trustvault/vault"
)

const passphrase = "Bench-passphrase-1"

func main() {
	var (
		trustvault = flag.String("trustvault", "bin/trustvault", "the trustvault binary")
		notary     = flag.String("notary", ".tools/bin/notary", "the notary v0.7.0 binary")
		keys       = flag.Int("keys", 10_000, "number of keys in the store")
		runs       = flag.Int("runs", 7, "timed runs of each command")
		dir        = flag.String("dir", "", "trust directory to use; made (and kept) if it does not exist (default: a temporary one, removed)")
		ratioGoal  = flag.Float64("ratio", 0.75, "goal: trustvault's median time at most this share of notary's")
		memGoal    = flag.Int("mem", 64, "goal: trustvault's peak memory in MiB below this")
		prepare    = flag.Bool("prepare", false, "only generate (if needed) and verify the store in -dir")
	)
	flag.Parse()
	var err error
	if *prepare {
		err = prepareStore(*dir, *keys)
	} else {
		err = run(*trustvault, *notary, *dir, *keys, *runs, *ratioGoal, *memGoal)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchstore:", err)
		os.Exit(1)
	}
}

func run(tv, notary, dir string, n, runs int, ratioGoal float64, memGoal int) error {
	for _, bin := range []string{tv, notary} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%w (make bench builds trustvault and installs notary)", err)
		}
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "trustvault-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "trust")
	}
	// The store is made and checked by a child process: a child's peak RSS
	// as the kernel reports it includes the memory of the process that
	// forked it, so the measuring process must stay small.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	prep := exec.Command(self, "-prepare", "-dir", dir, "-keys", fmt.Sprint(n))
	prep.Stdout, prep.Stderr = os.Stdout, os.Stderr
	if err := prep.Run(); err != nil {
		return fmt.Errorf("prepare the store: %w", err)
	}

	cmds := []struct {
		name string
		args []string
	}{
		{"trustvault list --json", []string{tv, "--trust-dir", dir, "list", "--json"}},
		{"notary key list", []string{notary, "-d", dir, "key", "list"}},
	}
	results := make([][]sample, len(cmds))
	// One warm-up run each, then alternate so that both see the same cache
	// and machine load.
	for i := -1; i < runs; i++ {
		for c, cmd := range cmds {
			s, err := measure(cmd.args)
			if err != nil {
				return fmt.Errorf("%s: %w", cmd.name, err)
			}
			if i >= 0 {
				results[c] = append(results[c], s)
			}
		}
	}
	fmt.Printf("%d keys, %d runs each, %d CPUs\n", n, runs, runtime.NumCPU())
	med := make([]sample, len(cmds))
	for c, cmd := range cmds {
		med[c] = median(results[c])
		fmt.Printf("  %-24s median %8.1f ms   peak RSS %6.1f MiB\n", cmd.name, ms(med[c].wall), float64(med[c].maxRSS)/(1<<20))
	}
	ratio := float64(med[0].wall) / float64(med[1].wall)
	mem := float64(med[0].maxRSS) / (1 << 20)
	fmt.Printf("  ratio trustvault/notary %.2f (goal <= %.2f): %s\n", ratio, ratioGoal, verdict(ratio <= ratioGoal))
	fmt.Printf("  trustvault peak memory %.1f MiB (goal < %d MiB): %s\n", mem, memGoal, verdict(mem < float64(memGoal)))
	if ratio > ratioGoal || mem >= float64(memGoal) {
		return errors.New("a goal was missed")
	}
	return nil
}

// prepareStore generates n keys in dir unless it holds keys already, and
// verifies them: every key read by the engine after generating them; the
// number of key files in a store made before (reading a million keys
// takes a minute).
func prepareStore(dir string, n int) error {
	if dir == "" {
		return errors.New("-prepare needs -dir")
	}
	s, err := vault.Open(dir)
	if err != nil {
		return err
	}
	made := false
	if _, err := os.Stat(s.PrivateDir()); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		if err := generate(dir, n); err != nil {
			return err
		}
		made = true
		fmt.Printf("generated %d keys in %s in %v\n", n, dir, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	if err := verify(s, n, made); err != nil {
		return err
	}
	if made {
		fmt.Printf("read them back in %v\n", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

type sample struct {
	wall   time.Duration
	maxRSS int64 // bytes
}

// measure runs a command with its output to /dev/null and returns its wall
// time and peak resident memory.
func measure(args []string) (sample, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return sample{}, err
	}
	defer devnull.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout = devnull
	cmd.Env = append(os.Environ(), "HOME="+os.TempDir())
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%v\n%s", err, stderr.b)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return sample{}, errors.New("no resource usage on this system")
	}
	return sample{wall: wall, maxRSS: ru.Maxrss * 1024}, nil // Linux reports KiB
}

type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if len(l.b) < 4096 {
		l.b = append(l.b, p[:min(len(p), 4096-len(l.b))]...)
	}
	return len(p), nil
}

func median(s []sample) sample {
	walls := make([]time.Duration, len(s))
	rss := make([]int64, len(s))
	for i, x := range s {
		walls[i], rss[i] = x.wall, x.maxRSS
	}
	slices.Sort(walls)
	slices.Sort(rss)
	return sample{wall: walls[len(s)/2], maxRSS: rss[len(s)/2]}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// verify checks that the store holds n key files, which trustvault's
// engine lists without error when all is set (on every CPU, keeping none),
// and decrypts a few of them.
func verify(s *vault.Store, n int, all bool) error {
	dir := s.Dir()
	count, err := countKeyFiles(s.PrivateDir())
	if all {
		count, err = readKeys(s)
	}
	if err != nil {
		return err
	}
	if count != n {
		return fmt.Errorf("%s holds %d keys, want %d (remove it or pass another -dir)", dir, count, n)
	}
	real, err := realIDs(dir)
	if err != nil {
		return err
	}
	return unlockCopies(s, []string{real[0], real[len(real)/2], real[len(real)-1]})
}

// unlockCopies decrypts the keys ids with the vault, from copies of their
// files in a store of their own: Store.Unlock finds a key by listing the
// whole store, four times the generator's own time at a million keys.
func unlockCopies(s *vault.Store, ids []string) error {
	tmp, err := os.MkdirTemp("", "benchstore-unlock-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	small, err := vault.Open(filepath.Join(tmp, "trust"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(small.PrivateDir(), 0o700); err != nil {
		return err
	}
	pass := func(vault.PassphraseRequest) ([]byte, error) { return []byte(passphrase), nil }
	for _, id := range ids {
		data, err := os.ReadFile(s.KeyPath(id))
		if err != nil {
			return err
		}
		if err := os.WriteFile(small.KeyPath(id), data, 0o600); err != nil {
			return err
		}
		if _, err := small.Unlock(id, pass); err != nil {
			return fmt.Errorf("the generator wrote a key the vault cannot read: %w", err)
		}
	}
	return nil
}

// readKeys lists every key with the engine and fails on the first that
// it cannot read.
func readKeys(s *vault.Store) (int, error) {
	var mu sync.Mutex
	var bad error
	n := 0
	err := s.ScanKeys(func(k *vault.Key) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if k.Err != nil && bad == nil {
			bad = fmt.Errorf("key file %s: %w", k.Path, k.Err)
		}
	})
	return n, cmp.Or(err, bad)
}

// countKeyFiles counts the *.key names in the flat directory the
// generator writes, reading names only.
func countKeyFiles(priv string) (int, error) {
	f, err := os.Open(priv)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	for {
		names, err := f.Readdirnames(4096)
		for _, name := range names {
			if strings.HasSuffix(name, ".key") {
				n++
			}
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func labels(i int) (role, gun string) {
	repo := fmt.Sprintf("registry.example.com:5000/team-%03d/service-%03d", i%500/10, i%500)
	switch m := i % 100; {
	case m == 0:
		return "root", ""
	case m <= 60:
		return "targets", repo
	case m <= 69:
		return "snapshot", repo
	case m <= 89:
		return fmt.Sprintf("targets/releases-%d", i%7), ""
	default:
		return fmt.Sprintf("signer%d", i%13), ""
	}
}

var (
	oidPBES2       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidAES256CBC   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidP256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
)

// The ASN.1 of notary's PKCS#8 (FORMAT.md §3).
type (
	privateKeyInfo struct {
		Version    int
		Algorithm  []asn1.ObjectIdentifier
		PrivateKey []byte
	}
	pbkdf2Params struct {
		Salt       []byte
		Iterations int
	}
	kdfAlgorithm struct {
		Algorithm asn1.ObjectIdentifier
		Params    pbkdf2Params
	}
	cipherAlgorithm struct {
		Algorithm asn1.ObjectIdentifier
		IV        []byte
	}
	pbes2Params struct {
		KDF    kdfAlgorithm
		Cipher cipherAlgorithm
	}
	pbes2Algorithm struct {
		Algorithm asn1.ObjectIdentifier
		Params    pbes2Params
	}
	encryptedPrivateKeyInfo struct {
		Algorithm pbes2Algorithm
		Data      []byte
	}
)

// encryptNotary encodes an ECDSA key as notary v0.7.0 does: PKCS#8 version
// 1, PBES2 with PBKDF2-HMAC-SHA1 (2048 iterations, 8-byte salt, no PRF
// field) and AES-256-CBC.
func encryptNotary(key *ecdsa.PrivateKey, pass string) (*pem.Block, error) {
	sec1, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	plain, err := asn1.Marshal(privateKeyInfo{Version: 1, Algorithm: []asn1.ObjectIdentifier{oidECPublicKey, oidP256}, PrivateKey: sec1})
	if err != nil {
		return nil, err
	}
	salt, iv := make([]byte, 8), make([]byte, aes.BlockSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	dk, err := pbkdf2.Key(sha1.New, pass, salt, vault.CompatIterations, 32)
	if err != nil {
		return nil, err
	}
	c, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	for range pad {
		plain = append(plain, byte(pad))
	}
	cipher.NewCBCEncrypter(c, iv).CryptBlocks(plain, plain)
	der, err := asn1.Marshal(encryptedPrivateKeyInfo{
		Algorithm: pbes2Algorithm{
			Algorithm: oidPBES2,
			Params: pbes2Params{
				KDF:    kdfAlgorithm{Algorithm: oidPBKDF2, Params: pbkdf2Params{Salt: salt, Iterations: vault.CompatIterations}},
				Cipher: cipherAlgorithm{Algorithm: oidAES256CBC, IV: iv},
			},
		},
		Data: plain,
	})
	if err != nil {
		return nil, err
	}
	return &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}, nil
}
