package vault

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trustvault/trustvault/vault/passphrase"
)

// Reencrypt decrypts one key file with pass and rewrites it in place under
// the store's protection (PBES2 with the store's iteration count, a new salt
// and IV), keeping its role and gun headers. With newPass nil the key keeps
// the passphrase that decrypted it; otherwise newPass supplies a new one
// (its request has New set). An unencrypted key needs newPass.
//
// k is a key as Keys or Key list it: the file at k.Path is the one
// rewritten, so a key in a legacy layout stays where it is (notary's
// migration still finds it, and reads the new encryption). The file is
// replaced atomically; a wrong passphrase, a cancelled prompt, or a file that
// changed while the passphrase was asked for changes nothing.
func (s *Store) Reencrypt(k Key, pass, newPass PassphraseFunc) (Key, error) {
	k, used, err := s.reencrypt(k, pass, newPass)
	zero(used)
	return k, err
}

// reencrypt is Reencrypt that also returns a copy of the passphrase that
// decrypted the key (nil for an unencrypted key); the caller zeroes it.
func (s *Store) reencrypt(k Key, pass, newPass PassphraseFunc) (Key, []byte, error) {
	k, err := s.keyAt(k.Path)
	if err != nil {
		return k, nil, err
	}
	if k.Encryption.Scheme == SchemeNone && newPass == nil {
		return k, nil, fmt.Errorf("key %s (%s) is not encrypted: it needs a new passphrase; nothing was changed", k.ShortID(), k.Path)
	}
	before, err := readKeyBytes(k.Path)
	if err != nil {
		return k, nil, fmt.Errorf("read key %s: %w", k.ShortID(), unreadable(err))
	}
	var used []byte
	keep := func(r PassphraseRequest) ([]byte, error) {
		p, err := pass(r)
		if err == nil {
			zero(used)
			used = bytes.Clone(p)
		}
		return p, err
	}
	pk, _, err := s.unlockFile(k, keep)
	if err != nil {
		zero(used)
		return k, nil, fmt.Errorf("%w; nothing was changed", err)
	}
	if k.Encryption.Scheme == SchemeNone {
		zero(used) // an unencrypted key asked for nothing
		used = nil
	}
	p := used
	if newPass != nil {
		p, err = newPass(PassphraseRequest{KeyID: k.ID, Role: k.Role, New: true, Attempt: 1})
		if err != nil {
			zero(used)
			return k, nil, fmt.Errorf("new passphrase for %s key %s: %w; nothing was changed", roleName(k.Role), k.ShortID(), err)
		}
		defer zero(p)
	}
	unlock, err := s.lock()
	if err != nil {
		zero(used)
		return k, nil, err
	}
	defer unlock()
	// The prompts ran without the lock: make sure nobody rewrote the file
	// meanwhile, or their change would be lost.
	if now, err := readKeyBytes(k.Path); err != nil || !bytes.Equal(now, before) {
		zero(used)
		return k, nil, fmt.Errorf("key %s changed on disk while the passphrase was asked for (%s); nothing was changed, try again", k.ShortID(), k.Path)
	}
	if err := s.writeKey(k.Path, pk.Signer, k.Role, k.GUN, p); err != nil {
		zero(used)
		return k, nil, err
	}
	rel, _ := filepath.Rel(s.PrivateDir(), k.Path)
	return readKey(k.Path, rel), used, nil
}

// keyAt reads the key file at path, which must be a loadable key file of
// this store.
func (s *Store) keyAt(path string) (Key, error) {
	rel, err := filepath.Rel(s.PrivateDir(), path)
	if path == "" || err != nil || rel == "." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || rel == ".." {
		return Key{Path: path}, fmt.Errorf("%q is not a key file in %s", path, s.PrivateDir())
	}
	k := readKey(path, rel)
	if k.Err != nil {
		return k, fmt.Errorf("key %s (%s): %w", k.ShortID(), k.Path, k.Err)
	}
	return k, nil
}

// HardenStatus is what Harden did with one key file.
type HardenStatus int

const (
	// Hardened: the key was re-encrypted with the hardened setting.
	Hardened HardenStatus = iota
	// AlreadyHardened: the key already had it; the file was not touched.
	AlreadyHardened
	// HardenFailed: the key could not be re-encrypted (Err says why); its
	// file is unchanged.
	HardenFailed
	// HardenCancelled: the person cancelled at this key, or before it was
	// reached; its file is unchanged.
	HardenCancelled
)

func (s HardenStatus) String() string {
	switch s {
	case Hardened:
		return "hardened"
	case AlreadyHardened:
		return "already hardened"
	case HardenFailed:
		return "failed"
	default:
		return "cancelled"
	}
}

// HardenResult is one key file's outcome.
type HardenResult struct {
	// Key is the key as listed after the outcome (the new encryption when
	// hardened).
	Key Key
	// Before is the encryption the key had.
	Before Encryption
	Status HardenStatus
	// Err says why a key failed or was cancelled.
	Err error
	// Weak is set when the key kept a passphrase below the policy's
	// minimum (Options.Policy): the key is hardened, but its passphrase
	// should be changed.
	Weak *passphrase.WeakError
}

// HardenOptions configure Harden.
type HardenOptions struct {
	// Pass supplies each key's current passphrase. An unencrypted key is
	// asked for a new one through Pass (with New set) when NewPass is nil.
	Pass PassphraseFunc
	// NewPass, when set, gives every key a new passphrase; otherwise each
	// key keeps its own.
	NewPass PassphraseFunc
	// Policy, when set, checks the passphrases keys keep (estimated, as
	// typed ones) and reports weak ones in HardenResult.Weak.
	Policy *passphrase.Policy
	// Start is called before each key that needs work, with its position
	// (from 1) among Total keys that do.
	Start func(i, total int, k Key)
	// Done is called after each of those keys.
	Done func(i, total int, r HardenResult)
}

// HardenReport is what Harden did, one result per key file.
type HardenReport struct {
	Results []HardenResult
	// Cancelled is true when the person cancelled a prompt; the keys from
	// that one on were not tried.
	Cancelled bool
}

// Count is the number of results with status st.
func (r HardenReport) Count(st HardenStatus) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == st {
			n++
		}
	}
	return n
}

// NeedsHardening reports whether Harden would re-encrypt a listed key:
// unencrypted, legacy PEM encryption, or PBES2 below HardenedIterations.
// Unreadable and stray files are not hardened (Harden reports them as
// failed).
func NeedsHardening(k Key) bool {
	return k.Err == nil && k.Layout != LayoutStray && k.Location == LocationFile && k.Encryption.Weak()
}

// HardenPlan lists every key file in the order Harden takes them: root keys
// first, then targets, snapshot, timestamp and delegation keys, each kind by
// role, GUN and ID, so that keys sharing a passphrase come one after
// another.
func (s *Store) HardenPlan() ([]Key, error) {
	keys, err := s.Keys()
	if err != nil {
		return nil, err
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Kind() != b.Kind() {
			return a.Kind() < b.Kind()
		}
		if a.Role != b.Role {
			return a.Role < b.Role
		}
		if a.GUN != b.GUN {
			return a.GUN < b.GUN
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Path < b.Path
	})
	return keys, nil
}

// Harden re-encrypts every key file that NeedsHardening with the hardened
// setting (the store must write at least HardenedIterations), one key at a
// time, each atomically. Keys keep their passphrases unless NewPass is set.
// For each key the passphrase that last worked for a key of the same role,
// then of the same kind, is tried before Pass is asked, so keys sharing a
// passphrase are asked for once.
//
// Nothing is skipped silently: every key file has a result, unreadable and
// stray files included (as failed, with the reason). A key that fails does
// not stop the others; a cancelled prompt (ErrAborted) stops Harden, and the
// keys not yet tried are reported as cancelled.
func (s *Store) Harden(opts HardenOptions) (HardenReport, error) {
	var report HardenReport
	if s.iterations < HardenedIterations {
		return report, fmt.Errorf("harden: this store writes %d PBKDF2 iterations, fewer than the hardened %d", s.iterations, HardenedIterations)
	}
	if opts.Pass == nil {
		return report, errors.New("harden: no passphrase source")
	}
	keys, err := s.HardenPlan()
	if err != nil {
		return report, err
	}
	total := 0
	for _, k := range keys {
		if NeedsHardening(k) {
			total++
		}
	}
	worked := map[string][]byte{} // "role:<role>" and "kind:<kind>" → passphrase
	defer func() {
		for _, p := range worked {
			zero(p)
		}
	}()
	i := 0
	for _, k := range keys {
		res := HardenResult{Key: k, Before: k.Encryption}
		switch {
		case k.Err != nil:
			res.Status, res.Err = HardenFailed, k.Err
		case !NeedsHardening(k):
			res.Status = AlreadyHardened
		case report.Cancelled:
			res.Status, res.Err = HardenCancelled, ErrAborted
		default:
			i++
			if opts.Start != nil {
				opts.Start(i, total, k)
			}
			res = s.hardenOne(k, opts, worked)
			if errors.Is(res.Err, ErrAborted) {
				res.Status = HardenCancelled
				report.Cancelled = true
			}
			if opts.Done != nil {
				opts.Done(i, total, res)
			}
		}
		report.Results = append(report.Results, res)
	}
	return report, nil
}

// hardenOne re-encrypts one key, trying the passphrases that worked for its
// role and kind first, and records the one that works.
func (s *Store) hardenOne(k Key, opts HardenOptions, worked map[string][]byte) HardenResult {
	res := HardenResult{Key: k, Before: k.Encryption}
	roleKey, kindKey := "role:"+k.Role, "kind:"+k.Kind().String()
	var tried [][]byte
	for _, c := range []string{roleKey, kindKey} {
		if p, ok := worked[c]; ok && !containsBytes(tried, p) {
			tried = append(tried, p)
		}
	}
	pass := func(r PassphraseRequest) ([]byte, error) {
		if r.Attempt <= len(tried) {
			return bytes.Clone(tried[r.Attempt-1]), nil
		}
		r.Attempt -= len(tried)
		return opts.Pass(r)
	}
	newPass := opts.NewPass
	if newPass == nil && k.Encryption.Scheme == SchemeNone {
		newPass = opts.Pass
	}
	after, used, err := s.reencrypt(k, pass, newPass)
	if err != nil {
		zero(used)
		res.Status, res.Err = HardenFailed, err
		return res
	}
	res.Key, res.Status = after, Hardened
	if used == nil {
		return res
	}
	if opts.NewPass == nil && opts.Policy != nil {
		if err := opts.Policy.CheckTyped(k.Role, k.GUN, used); err != nil {
			var weak *passphrase.WeakError
			if errors.As(err, &weak) {
				res.Weak = weak
			}
		}
	}
	for _, c := range []string{roleKey, kindKey} {
		zero(worked[c])
		worked[c] = bytes.Clone(used)
	}
	zero(used)
	return res
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}
