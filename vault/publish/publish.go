package publish

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/tuf"
)

// Outcomes a caller branches on.
var (
	// ErrNoKey: trustvault holds no key (file or token) that may sign a
	// role the change needs.
	ErrNoKey = errors.New("no signing key for the role")
	// ErrExists: init of a repository the server already has.
	ErrExists = errors.New("the repository already has trust data on the server")
	// ErrNotFound: a tag, role or key the change names is not there.
	ErrNotFound = errors.New("not found")
	// ErrSeveralTokens: more than one plugged-in Yubikey could take a new
	// root key, or holds a root key, and Publisher.Serial chose none.
	ErrSeveralTokens = errors.New("several Yubikeys are plugged in")
)

// Publisher publishes changes to repositories on one notary server, with
// the keys of one key store (whose directory is the trust directory, and
// so the metadata cache, unless Remote.TrustDir says otherwise).
type Publisher struct {
	Store *vault.Store
	// Remote says how to reach the server; its GUN is set per call.
	Remote remote.Options
	// Pass gives key file passphrases: of existing keys, and of new keys
	// (PassphraseRequest.New).
	Pass vault.PassphraseFunc
	// Auth gives a token's PIN and tells of a touch.
	Auth token.Auth
	// Tokens are the keys on plugged-in tokens; nil: listed when needed.
	Tokens []token.Key
	// Serial chooses the Yubikey to sign with (and to put a new root key
	// on) when several are plugged in; 0: the only one. Keys on other
	// tokens are then not used.
	Serial uint32
	// Rand is the randomness for keys, certificates and signatures (nil:
	// crypto/rand); Now the clock (nil: time.Now).
	Rand io.Reader
	Now  func() time.Time
}

// New is the publisher for one run: the key store, the server the person
// named (rs.PublishServer: --server, DOCKER_CONTENT_TRUST_SERVER or the
// notary config's remote_server.url, never docker's guess), the store's
// directory as the metadata cache, and how passphrases, PINs and touches
// are asked. The CLI and the interactive view both build it here.
func New(s *vault.Store, rs *remote.Setup, pass vault.PassphraseFunc, auth token.Auth) (*Publisher, error) {
	if rs == nil {
		return nil, errors.New("no notary server configured: give --server URL or set " + remote.EnvTrustServer)
	}
	server, err := rs.PublishServer()
	if err != nil {
		return nil, err
	}
	o := rs.Options("", true, time.Time{})
	o.Server, o.TrustDir, o.At = server, s.Dir(), time.Time{}
	return &Publisher{Store: s, Remote: o, Pass: pass, Auth: auth}, nil
}

// Result is what a published change did.
type Result struct {
	GUN string
	// Published are the roles sent in the one POST the server accepted.
	Published []string
	// ServerSigned are roles the server signed in consequence (snapshot
	// when it holds the snapshot key, timestamp always).
	ServerSigned []string
	// SignedBy says which key signed which role ("targets: key 1a2b3c4
	// (file)", "root: key 5d6e7f8 (Yubikey 123, slot 9c)").
	SignedBy []string
	// NewKeys are key files written by this change (kept).
	NewKeys []vault.Key
	// TokenKey is a root key put on a token by Init.
	TokenKey *token.Key
	// Update is the pull that verified the result and wrote the cache.
	Update *remote.Update
}

// PublishError is a change that did not (certainly) reach the server.
type PublishError struct {
	GUN string
	// Roles are the roles the change was to publish.
	Roles []string
	// Sent: the request was sent (or tried); false when the change failed
	// here before that (a check, a passphrase, a signature).
	Sent bool
	// Uncertain is true when the request was sent but no answer came: the
	// server may have taken the update. New key files are then kept.
	Uncertain bool
	// Kept are the new key files kept (Uncertain), or the root key put on
	// a token at init.
	Kept []string
	Err  error
}

// Error does not name the repository: the command or page it is shown in
// does.
func (e *PublishError) Error() string {
	var b strings.Builder
	roles := strings.Join(e.Roles, ", ")
	switch {
	case e.Uncertain:
		fmt.Fprintf(&b, "the server may or may not have taken the update (%s): %v; pull %s to see which", roles, e.Err, e.GUN)
	case roles == "" || !e.Sent:
		fmt.Fprintf(&b, "nothing was published: %v; the metadata cache is unchanged", e.Err)
	default:
		fmt.Fprintf(&b, "nothing was published (%s not sent, or refused as a whole): %v; the metadata cache is unchanged", roles, e.Err)
	}
	if len(e.Kept) > 0 {
		fmt.Fprintf(&b, "; kept: %s", strings.Join(e.Kept, ", "))
	} else {
		b.WriteString(" and the key store too")
	}
	return b.String()
}

func (e *PublishError) Unwrap() error { return e.Err }

// notFoundError is ErrNotFound in its own words, without ": not found"
// after them.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg }
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

func notFoundf(format string, args ...any) error {
	return &notFoundError{fmt.Sprintf(format, args...)}
}

func (p *Publisher) rand() io.Reader {
	if p.Rand != nil {
		return p.Rand
	}
	return rand.Reader
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Publisher) options(gun string) remote.Options {
	o := p.Remote
	o.GUN = gun
	if o.TrustDir == "" && o.NotaryConfig == "" && p.Store != nil {
		o.TrustDir = p.Store.Dir()
	}
	return o
}

// begin pulls and verifies the repository and starts a change of it.
func (p *Publisher) begin(ctx context.Context, gun string) (*txn, error) {
	if p.Store == nil {
		return nil, errors.New("no key store")
	}
	o := p.options(gun)
	u, err := remote.Pull(ctx, o)
	if err != nil {
		return nil, err
	}
	t := p.newTxn(gun, o)
	t.repo = u.Repo
	t.root = rootDocOf(u.Repo.Root)
	return t, nil
}

// commit signs the changed files, publishes them in one POST, then pulls
// and verifies. On any failure before the server accepted, the new key
// files are removed.
func (t *txn) commit(ctx context.Context) (*Result, error) {
	defer t.close()
	files, err := t.sign()
	if err != nil {
		return nil, t.fail(err, false)
	}
	if err := remote.Publish(ctx, t.opts, files); err != nil {
		return nil, t.failSent(err)
	}
	res := &Result{GUN: t.gun, Published: sortedKeys(files), SignedBy: t.signedBy, NewKeys: t.newKeys, TokenKey: t.tokenKey}
	if _, ok := files["snapshot"]; !ok {
		res.ServerSigned = append(res.ServerSigned, "snapshot")
	}
	res.ServerSigned = append(res.ServerSigned, "timestamp")
	u, err := remote.Pull(ctx, t.opts)
	if err != nil {
		return res, fmt.Errorf("published %s, but the pull that checks it failed: %w", strings.Join(res.Published, ", "), err)
	}
	res.Update = u
	return res, nil
}

// fail undoes what the change wrote (unless the server may have it) and
// wraps err.
func (t *txn) fail(err error, uncertain bool) error { return t.failed(err, false, uncertain) }

// failSent is fail for a change whose request was sent (or tried).
func (t *txn) failSent(err error) error {
	return t.failed(err, true, errors.Is(err, remote.ErrUncertain))
}

func (t *txn) failed(err error, sent, uncertain bool) error {
	pe := &PublishError{GUN: t.gun, Roles: t.changedRoles(), Sent: sent, Uncertain: uncertain, Err: err}
	if uncertain {
		for _, k := range t.newKeys {
			pe.Kept = append(pe.Kept, "new key file "+k.Path)
		}
	} else {
		for _, k := range t.newKeys {
			if rerr := os.Remove(k.Path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				pe.Kept = append(pe.Kept, fmt.Sprintf("new key file %s (could not be removed: %v)", k.Path, rerr))
			}
		}
	}
	if t.tokenKey != nil {
		pe.Kept = append(pe.Kept, fmt.Sprintf("new root key %s on %s (with its file as the backup; init uses it next time)", vault.ShortID(t.tokenKey.ID), t.tokenKey.Token))
	}
	return pe
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// expires is a role's new expiry: notary's default lifetime from now.
func (t *txn) expires(role string) time.Time {
	return t.now.Add(tuf.DefaultExpiry(role))
}
