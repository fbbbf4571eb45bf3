package main

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/gcpace"
	"github.com/trustvault/trustvault/vault/token"
)

// The listing keeps one compact record per key instead of a vault.Key: the
// key's strings go into an arena of fixed-size chunks that never move and
// hold no pointers, and the record holds offsets into it. At 100,000 keys
// that is about a quarter of the memory of a []vault.Key, and the garbage
// collector has nothing to scan. Keys are read on every CPU by
// Store.ScanKeys and appended as they arrive; the records are sorted in
// notary's order and each is turned back into a vault.Key only while it is
// printed.

const arenaChunk = 1 << 20

// arena stores strings back to back in chunks of arenaChunk bytes.
type arena struct{ chunks [][]byte }

// add copies s into the arena and returns where it is (chunk<<20 | offset).
func (a *arena) add(s string) uint32 {
	if len(s) == 0 {
		return 0
	}
	n := len(a.chunks)
	if n == 0 || len(a.chunks[n-1])+len(s) > arenaChunk {
		a.chunks = append(a.chunks, make([]byte, 0, max(arenaChunk, len(s))))
		n++
	}
	c := a.chunks[n-1]
	off := len(c)
	a.chunks[n-1] = append(c, s...)
	return uint32(n-1)<<20 | uint32(off)
}

// get returns the string at ref, sharing the arena's memory.
func (a *arena) get(ref uint32, n uint16) string {
	if n == 0 {
		return ""
	}
	c := a.chunks[ref>>20]
	return unsafe.String(&c[ref&(arenaChunk-1)], int(n))
}

// The strings of a record, by index.
const (
	recID = iota
	recRole
	recGUN
	recPath
	recAlgorithm
	recPRF
	recCipher
	recErr
	recStrings
)

// keyRec is one key: 88 bytes and its strings.
type keyRec struct {
	ref        [recStrings]uint32
	n          [recStrings]uint16
	size       int64
	mtime      int64 // Unix nanoseconds; 0: none
	iterations uint32
	mode       fs.FileMode
	token      int32 // index into keyRecords.tokens, -1: none
	tokenCert  int32 // a certificate on a token names the key: index into keyRecords.tokens, -1: none
	layout     uint8 // a vault.Layout
	location   uint8 // a vault.Location
	scheme     uint8 // a vault.Scheme
	hasErr     bool
	inPrivate  bool // the path is keyRecords.prefix + the stored string
	// idPath: the path is keyRecords.prefix + ID + ".key" (notary's flat
	// layout, nearly every key), so no path is stored.
	idPath bool
}

// recChunk is how many records a chunk holds: records are added in
// chunks that never move, rather than in one slice that is copied each
// time it grows (twice the memory while it is).
const recChunk = 4096

// keyRecords collects records; add may be called from several goroutines.
type keyRecords struct {
	mu      sync.Mutex
	a       arena
	recs    [][]keyRec
	order   []int32 // the records' indexes, sorted
	gun     string  // only keys with this GUN ("" = all)
	tokens  []token.Key
	onToken map[string]int32
	matched []bool
	// prefix is private/'s path and a slash, stored once rather than in
	// every key's path.
	prefix string
	// interned holds the strings many keys share (roles, GUNs, algorithm
	// and encryption names): each is stored once.
	interned map[string]uint32
}

func newKeyRecords(dir, gun string, tks []token.Key) *keyRecords {
	l := &keyRecords{gun: gun, tokens: tks, onToken: map[string]int32{}, matched: make([]bool, len(tks)),
		prefix: filepath.Join(dir, "private") + string(filepath.Separator), interned: map[string]uint32{}}
	for i := range tks {
		if _, dup := l.onToken[tks[i].ID]; !dup {
			l.onToken[tks[i].ID] = int32(i)
		}
	}
	return l
}

func (l *keyRecords) add(k *vault.Key) {
	if l.gun != "" && k.GUN != l.gun {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := keyRec{mode: k.Mode, size: k.Size, iterations: uint32(min(max(k.Encryption.Iterations, 0), 1<<32-1)), layout: uint8(k.Layout),
		location: uint8(k.Location), scheme: uint8(k.Encryption.Scheme), token: -1, tokenCert: -1}
	if !k.ModTime.IsZero() {
		r.mtime = k.ModTime.UnixNano()
	}
	errText := ""
	if k.Err != nil {
		errText, r.hasErr = k.Err.Error(), true
	}
	if t, ok := l.onToken[k.ID]; ok && k.Err == nil { // as token.Locate: a key shown on the token wins
		l.matched[t] = true
		if l.tokens[t].Proven {
			r.location, r.token = uint8(vault.LocationToken), t
		} else {
			r.tokenCert = t // only a certificate names it: the file stays the location
		}
	}
	path := k.Path
	if rest, ok := strings.CutPrefix(path, l.prefix); ok {
		path, r.inPrivate = rest, true
		if len(rest) == len(k.ID)+len(".key") && rest[:len(k.ID)] == k.ID && rest[len(k.ID):] == ".key" {
			path, r.idPath = "", true
		}
	}
	for i, s := range [recStrings]string{k.ID, k.Role, k.GUN, path, k.Algorithm, k.Encryption.PRF, k.Encryption.Cipher, errText} {
		s = s[:min(len(s), 1<<16-1)]
		switch i {
		case recRole, recGUN, recAlgorithm, recPRF, recCipher:
			ref, ok := l.interned[s]
			if !ok {
				ref = l.a.add(s)
				l.interned[strings.Clone(s)] = ref
			}
			r.ref[i] = ref
		default:
			r.ref[i] = l.a.add(s)
		}
		r.n[i] = uint16(len(s))
	}
	if n := len(l.recs); n == 0 || len(l.recs[n-1]) == recChunk {
		l.recs = append(l.recs, make([]keyRec, 0, recChunk))
	}
	last := &l.recs[len(l.recs)-1]
	*last = append(*last, r)
	l.order = append(l.order, int32(len(l.order)))
}

// rec returns record i (in the order they were added).
func (l *keyRecords) rec(i int32) *keyRec { return &l.recs[i/recChunk][i%recChunk] }

// addTokenOnly adds the keys that are on a token and in no key file.
func (l *keyRecords) addTokenOnly() {
	if l.gun != "" { // a key only on a token has no GUN
		return
	}
	for i, tk := range l.tokens {
		t := l.onToken[tk.ID]
		if l.matched[t] {
			continue
		}
		l.matched[t] = true
		k := vault.Key{ID: tk.ID, Role: tk.Role, Location: vault.LocationToken, Algorithm: tk.Algorithm}
		l.add(&k)
		r := l.rec(int32(len(l.order) - 1))
		r.location, r.token, r.tokenCert = uint8(vault.LocationToken), int32(i), -1
		if !tk.Proven {
			r.tokenCert = int32(i)
		}
	}
}

func (l *keyRecords) str(r *keyRec, i int) string { return l.a.get(r.ref[i], r.n[i]) }

func (l *keyRecords) path(r *keyRec) string {
	if r.idPath {
		return l.prefix + l.str(r, recID) + ".key"
	}
	if r.inPrivate {
		return l.prefix + l.str(r, recPath)
	}
	return l.str(r, recPath)
}

// key turns a record back into the vault.Key it was made from.
func (l *keyRecords) key(r *keyRec) vault.Key {
	k := vault.Key{
		ID: l.str(r, recID), Role: l.str(r, recRole), GUN: l.str(r, recGUN), Path: l.path(r),
		Layout: vault.Layout(r.layout), Location: vault.Location(r.location), Algorithm: l.str(r, recAlgorithm), Mode: r.mode, Size: r.size,
		Encryption: vault.Encryption{Scheme: vault.Scheme(r.scheme), PRF: l.str(r, recPRF), Iterations: int(r.iterations), Cipher: l.str(r, recCipher)},
	}
	if r.mtime != 0 {
		k.ModTime = time.Unix(0, r.mtime)
	}
	if r.hasErr {
		k.Err = errors.New(l.str(r, recErr))
	}
	if r.token >= 0 {
		ref := l.tokens[r.token].Token
		k.Token = &ref
	}
	if r.tokenCert >= 0 {
		ref := l.tokens[r.tokenCert].Token
		k.TokenCertificate = &ref
	}
	return k
}

// sort orders the records as sortKeys orders keys: root keys first, then by
// GUN, role, ID and path.
func (l *keyRecords) sort() {
	slices.SortFunc(l.order, func(i, j int32) int {
		x, y := l.rec(i), l.rec(j)
		xr, yr := l.str(x, recRole) == "root", l.str(y, recRole) == "root"
		switch {
		case xr && !yr:
			return -1
		case yr && !xr:
			return 1
		}
		for _, f := range []int{recGUN, recRole, recID} {
			if c := strings.Compare(l.str(x, f), l.str(y, f)); c != 0 {
				return c
			}
		}
		// One ID in two places (rare): compare the whole paths.
		if c := strings.Compare(l.path(x), l.path(y)); c != 0 {
			return c
		}
		return cmp.Compare(x.token, y.token)
	})
}

// scanKeyRecords reads the store into a sorted keyRecords, with the keys on
// tokens that are plugged in.
func (a *app) scanKeyRecords(s *vault.Store, gun string) (*keyRecords, error) {
	// What stays is the records (a few tens of MB at 100,000 keys, nothing
	// for the collector to scan); what each file's reading leaves behind
	// is garbage at once. gcpace keeps the heap near the records' size on
	// a large store, without thirty collections on a small one. It stays
	// for the rest of the command: printing makes garbage too.
	gcpace.Start()
	l := newKeyRecords(s.Dir(), gun, a.tokenKeys("list"))
	if err := s.ScanKeys(l.add); err != nil {
		return nil, err
	}
	l.addTokenOnly()
	l.sort()
	return l, nil
}

// tokenKeys lists the keys on the tokens that are plugged in. Without
// pcscd, or without cgo, there are none; any other token trouble is a
// warning on standard error.
func (a *app) tokenKeys(op string) []token.Key {
	infos, tks, err := token.List()
	if err != nil {
		if !token.Unavailable(err) {
			fmt.Fprintf(a.stderr, "trustvault: %s: %v (keys on tokens are not shown)\n", op, tokenError(err))
		}
		return nil
	}
	for _, info := range infos {
		if info.Err != nil {
			fmt.Fprintf(a.stderr, "trustvault: %s: %s: %v (its keys are not shown)\n", op, info.Name(), tokenError(info.Err))
		}
	}
	return tks
}

// all yields the keys in order; each Key is valid until the next.
func (l *keyRecords) all() iter.Seq[*vault.Key] {
	return func(yield func(*vault.Key) bool) {
		for _, i := range l.order {
			k := l.key(l.rec(i))
			if !yield(&k) {
				return
			}
		}
	}
}
