package token

// Keys on hardware tokens (YubiKey 4 and later, through the hardware
// package): listed as notary's Yubikey store lists them, preferred over
// key files with the same key, root keys generated on a token or moved to
// one, and signatures made by the token.
//
// As in notary (FORMAT.md §8), a key on a token is a slot with a
// certificate whose common name is the key's role; its ID is the canonical
// ID of the certificate's public key. Notary's slot order is 9c, 9e, 9d,
// 9a; trustvault puts root keys into 9c.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trustvault/trustvault/hardware"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/passphrase"
	"github.com/trustvault/trustvault/vault/tuf"
)

// Types from hardware that the engine's callers see.
type (
	// TokenInfo is what a token tells without a PIN.
	Info = hardware.TokenInfo
	// TokenSlot describes one slot of a token.
	Slot = hardware.SlotInfo
	// TokenAuthError is a wrong or blocked PIN or PUK, with the tries left.
	AuthError = hardware.AuthError
	// TokenState says whether a token secret still has its factory value.
	State = hardware.State
	// TokenCredential is what a token says about its PIN or PUK.
	Credential = hardware.Credential
)

// Token secret states.
const (
	StateUnknown = hardware.StateUnknown
	StateFactory = hardware.StateFactory
	StateChanged = hardware.StateChanged
)

// Token errors a caller may branch on (see also *TokenAuthError).
var (
	ErrNoService          = hardware.ErrNoService
	ErrNotFound           = hardware.ErrNotFound
	ErrRemoved            = hardware.ErrRemoved
	ErrInUse              = hardware.ErrInUse
	ErrTouchTimeout       = hardware.ErrTouchTimeout
	ErrNotSetUp           = hardware.ErrFactoryManagementKey
	ErrSlotInUse          = hardware.ErrSlotInUse
	ErrWrongManagementKey = hardware.ErrWrongManagementKey
	ErrNoManagementKey    = hardware.ErrNoManagementKey
	ErrNotOnToken         = errors.New("the key is on no token that is plugged in")
	ErrKeyType            = errors.New("a Yubikey holds ECDSA P-256 root keys only (as notary)")
	ErrNeedsRootKey       = errors.New("only root keys go on a token (as notary)")
)

// RootSlot is the slot trustvault puts root keys into: 9c, the first slot
// notary's Yubikey store tries.
const RootSlot = "9c"

// notarySlots is the order notary's Yubikey store tries slots in.
var notarySlots = []hardware.Slot{hardware.SlotSignature, hardware.SlotCardAuthentication, hardware.SlotKeyManagement, hardware.SlotAuthentication}

// TokenKey is a key held on a token.
type Key struct {
	// ID is the canonical ID of the public key (the file name a copy of the
	// key would have).
	ID string
	// Role is the certificate's common name ("root").
	Role  string
	Token vault.TokenRef
	// Algorithm is "ecdsa" (or "rsa").
	Algorithm string
	// Generated says the key was generated on the token and never left it:
	// there is no copy to back up. False for imported keys and for keys a
	// YubiKey 4 cannot say about.
	Generated bool
	// Proven says the token shows the key itself beside the certificate:
	// its metadata (YubiKey 5.3 and later) or an attestation (keys
	// generated on a YubiKey 4.3 or later) gives the certificate's public
	// key. A certificate alone proves nothing: a key write that failed
	// after it leaves a certificate with no key (or another key) beside it,
	// and a YubiKey 4 cannot show an imported key without the PIN.
	Proven      bool
	PINPolicy   string
	TouchPolicy string
	Public      crypto.PublicKey
	Certificate *x509.Certificate
}

// validTokenRole is notary's check on a certificate's common name.
func validTokenRole(cn string) bool {
	switch cn {
	case "root", "targets", "snapshot", "timestamp":
		return true
	}
	return strings.HasPrefix(cn, "targets/") && len(cn) > len("targets/")
}

// TokenKeysOf lists the keys on tokens: per token, slots 9c, 9e, 9d, 9a in
// notary's order, each with a certificate whose common name is a role.
func KeysOf(infos []Info) []Key {
	var out []Key
	for _, info := range infos {
		if info.Err != nil {
			continue
		}
		for _, s := range notarySlots {
			si, ok := info.Slot(s)
			if !ok || si.Certificate == nil || !validTokenRole(si.Certificate.Subject.CommonName) {
				continue
			}
			id, err := tuf.CanonicalID(si.Certificate.PublicKey)
			if err != nil {
				continue
			}
			out = append(out, Key{
				ID: id, Role: si.Certificate.Subject.CommonName,
				Token:     vault.TokenRef{Serial: info.Serial, Slot: s.String(), Model: info.Model, Firmware: info.Version.String()},
				Algorithm: publicAlgorithm(si.Certificate.PublicKey),
				Generated: si.Origin == hardware.OriginGenerated,
				Proven:    si.HasKey() && samePublic(si.Public, si.Certificate.PublicKey),
				PINPolicy: si.PINPolicy.String(), TouchPolicy: si.TouchPolicy.String(),
				Public: si.Certificate.PublicKey, Certificate: si.Certificate,
			})
		}
	}
	return out
}

// samePublic reports whether two public keys are the same key.
func samePublic(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && b != nil && eq.Equal(b)
}

func publicAlgorithm(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return vault.AlgorithmECDSA
	default:
		return vault.AlgorithmRSA
	}
}

// Built says whether this build can reach Yubikeys (cgo and PC/SC); without
// it every token call fails with an error wrapping errors.ErrUnsupported.
const Built = hardware.PCSC

// ListTokens lists the tokens plugged in and the keys on them, asking the
// tokens without a PIN and trying none. No pcscd is ErrNoTokenService; a
// build without cgo is an error wrapping errors.ErrUnsupported. Both mean
// "no tokens here" to a caller that only lists (see TokensUnavailable).
func List() ([]Info, []Key, error) {
	infos, err := hardware.Tokens()
	if err != nil {
		return nil, nil, fmt.Errorf("list tokens: %w", err)
	}
	return infos, KeysOf(infos), nil
}

// PluggedIn names the tokens listed, for an error: " (plugged in: 123,
// 456)", or "" when there are none.
func PluggedIn(infos []Info) string {
	if len(infos) == 0 {
		return ""
	}
	s := make([]string, len(infos))
	for i, in := range infos {
		s[i] = strconv.FormatUint(uint64(in.Serial), 10)
	}
	return " (plugged in: " + strings.Join(s, ", ") + ")"
}

// TokensUnavailable reports whether err says tokens cannot be reached at
// all here (no pcscd, no cgo): a listing shows none and moves on.
func Unavailable(err error) bool {
	return errors.Is(err, ErrNoService) || errors.Is(err, errors.ErrUnsupported)
}

// WithTokens marks the keys that are on a token: a key file whose key is
// on a token gets Location LocationToken and Token (the token wins; the
// file is its backup), and a key only on a token is added without a Path.
// keys is not modified; the result is sorted by ID, then path.
func Locate(keys []vault.Key, tks []Key) []vault.Key {
	if len(tks) == 0 {
		return keys
	}
	out := slices.Clone(keys)
	onToken := map[string]*Key{}
	for i := range tks {
		if _, dup := onToken[tks[i].ID]; !dup {
			onToken[tks[i].ID] = &tks[i]
		}
	}
	matched := map[string]bool{}
	for i := range out {
		tk, ok := onToken[out[i].ID]
		if !ok || out[i].Err != nil {
			continue
		}
		matched[tk.ID] = true
		ref := tk.Token
		if !tk.Proven {
			// The file is the key known to be there; the token's copy is
			// only a certificate that names it.
			out[i].TokenCertificate = &ref
			continue
		}
		out[i].Location, out[i].Token = vault.LocationToken, &ref
	}
	for _, tk := range tks {
		if matched[tk.ID] {
			continue
		}
		matched[tk.ID] = true
		ref := tk.Token
		k := vault.Key{ID: tk.ID, Role: tk.Role, Location: vault.LocationToken, Token: &ref, Algorithm: tk.Algorithm}
		if !tk.Proven {
			k.TokenCertificate = &ref
		}
		out = append(out, k)
	}
	slices.SortStableFunc(out, func(a, b vault.Key) int {
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out
}

// TokenSetup is what SetupToken needs. Secrets are []byte; SetupToken
// zeroes none of them.
type Setup struct {
	// PIN and PUK are the token's current ones, as the person typed them
	// (the factory values only when the person typed them). A nil PUK
	// leaves the PUK as it is.
	PIN, PUK []byte
	// ManagementKey is the current management key when the token has a
	// custom one that is not stored on it; nil otherwise.
	ManagementKey []byte
	// NewPIN and NewPUK, when nil, are drawn with DefaultPINSpec and
	// DefaultPUKSpec.
	NewPIN, NewPUK []byte
	// Rand draws the new PIN, PUK and management key (nil: crypto/rand).
	Rand io.Reader
}

// TokenSetupResult is a set-up token and its new PIN and PUK, which the
// caller shows once and then zeroes.
type SetupResult struct {
	Info           Info
	NewPIN, NewPUK []byte
}

// SetupToken hardens the token with the serial: a new PUK, a random
// management key stored on the token under the PIN, and a new PIN. The new
// PIN and PUK come from the passphrase generator's digit mode unless given.
func SetUp(serial uint32, s Setup) (SetupResult, error) {
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	res := SetupResult{NewPIN: s.NewPIN, NewPUK: s.NewPUK}
	var err error
	if res.NewPIN == nil {
		if res.NewPIN, err = passphrase.GeneratePIN(r); err != nil {
			return res, err
		}
	}
	if res.NewPUK == nil && s.PUK != nil {
		if res.NewPUK, err = passphrase.Generate(passphrase.DefaultPUKSpec(), r); err != nil {
			return res, err
		}
	}
	tok, err := hardware.Open(serial)
	if err != nil {
		return res, fmt.Errorf("%w", err)
	}
	defer tok.Close()
	tok.Rand = r
	if err := tok.Setup(hardware.SetupRequest{PIN: s.PIN, PUK: s.PUK, ManagementKey: s.ManagementKey, NewPIN: res.NewPIN, NewPUK: res.NewPUK}); err != nil {
		return res, fmt.Errorf("set up Yubikey %d: %w", serial, err)
	}
	res.Info, err = tok.Info()
	return res, err
}

// RootOnToken says how a root key goes on a token.
type RootOptions struct {
	Serial uint32
	// Slot is the PIV slot ("9c"); empty means the first free one of the
	// slots notary's Yubikey store uses, in its order: 9c, 9e, 9d, 9a.
	Slot string
	// PIN is the token's PIN, asked once for the whole operation.
	PIN []byte
	// TouchCached asks for a touch once per 15 seconds instead of for
	// every signature.
	TouchCached bool
	// Replace allows overwriting a slot that holds a key or certificate.
	Replace bool
	// Touch is called when the token waits for a touch (see
	// hardware.SignerOptions.Touch).
	Touch func()
	// Now is the clock for the certificate (zero: time.Now); Rand its
	// randomness (nil: crypto/rand).
	Now  time.Time
	Rand io.Reader
}

// slot picks the slot on an open token.
func (o RootOptions) slot(tok *hardware.Token) (hardware.Slot, error) {
	if o.Slot != "" {
		return hardware.ParseSlot(o.Slot)
	}
	for _, s := range notarySlots {
		si, err := tok.Slot(s)
		if err != nil {
			return 0, err
		}
		if !si.HasKey() && si.Certificate == nil && si.Origin == hardware.OriginNone {
			return s, nil
		}
	}
	return 0, fmt.Errorf("Yubikey %d: slots 9c, 9e, 9d and 9a (those notary uses) all hold keys: %w; choose one to overwrite", tok.Serial(), ErrSlotInUse)
}

func (o RootOptions) policy() hardware.KeyPolicy {
	p := hardware.KeyPolicy{PIN: hardware.PINPolicyOnce, Touch: hardware.TouchPolicyAlways}
	if o.TouchCached {
		p.Touch = hardware.TouchPolicyCached
	}
	return p
}

func (o RootOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

func (o RootOptions) pinFunc() func() ([]byte, error) {
	return func() ([]byte, error) { return bytes.Clone(o.PIN), nil }
}

// tokenCertificate is the certificate notary's Yubikey store keeps beside a
// key: self-signed, common name = role, valid 10 years (the same template
// as a root certificate, NewRootCertificate, with the role as its name).
func tokenCertificate(signer crypto.Signer, role string, now time.Time, r io.Reader) (*x509.Certificate, error) {
	certPEM, err := tuf.NewRootCertificate(signer, role, now, r)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(certPEM)
	return x509.ParseCertificate(block.Bytes)
}

// GenerateRootOnToken generates a root key on the token (ECDSA P-256, PIN
// once, touch always or cached) and stores its self-signed certificate
// beside it, signed by the token itself (one touch). The key never leaves
// the token: there is no file and no backup.
func GenerateRoot(o RootOptions) (Key, error) {
	tok, err := hardware.Open(o.Serial)
	if err != nil {
		return Key{}, fmt.Errorf("%w", err)
	}
	defer tok.Close()
	slot, err := o.slot(tok)
	if err != nil {
		return Key{}, fmt.Errorf("%w", err)
	}
	if _, err := tok.GenerateKey(o.PIN, slot, o.policy(), o.Replace); err != nil {
		return Key{}, fmt.Errorf("generate a root key on Yubikey %d: %w", o.Serial, err)
	}
	signer, err := tok.Signer(slot, hardware.SignerOptions{PIN: o.pinFunc(), Touch: o.Touch})
	if err != nil {
		return Key{}, fmt.Errorf("%w", err)
	}
	cert, err := tokenCertificate(signer, "root", o.now(), o.Rand)
	if err != nil {
		return Key{}, fmt.Errorf("certificate for the new root key on Yubikey %d: %w", o.Serial, err)
	}
	if err := tok.SetCertificate(o.PIN, slot, cert); err != nil {
		return Key{}, fmt.Errorf("%w", err)
	}
	return tokenKeyOn(tok, slot)
}

// tokenKeyOn reads back the key in a slot as a TokenKey.
func tokenKeyOn(tok *hardware.Token, slot hardware.Slot) (Key, error) {
	info, err := tok.Info()
	if err != nil {
		return Key{}, fmt.Errorf("read back: %w", err)
	}
	for _, tk := range KeysOf([]Info{info}) {
		if tk.Token.Slot == slot.String() {
			return tk, nil
		}
	}
	return Key{}, fmt.Errorf("read back Yubikey %d slot %s: no key with a role certificate", tok.Serial(), slot)
}

// ImportRootToToken puts the root key in file id onto the token, as notary
// does with a backup: the encrypted key file stays where it is, as the
// backup of the key on the token (which from then on is the one used). The
// key must be ECDSA P-256. Before it returns, the token signs once (one
// touch) and the signature is checked with the file's public key.
func ImportRoot(s *vault.Store, id string, pass vault.PassphraseFunc, o RootOptions) (Key, error) {
	if o.Slot != "" {
		if _, err := hardware.ParseSlot(o.Slot); err != nil {
			return Key{}, fmt.Errorf("%w", err)
		}
	}
	k, err := s.Key(id)
	if err != nil {
		return Key{}, err
	}
	if k.Kind() != keyrole.Root {
		return Key{}, fmt.Errorf("key %s is a %s key: %w", k.ShortID(), roleLabel(k.Role), ErrNeedsRootKey)
	}
	pk, err := s.Unlock(k.ID, pass)
	if err != nil {
		return Key{}, err
	}
	priv, ok := pk.Signer.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return Key{}, fmt.Errorf("root key %s is %s: %w", k.ShortID(), pk.Algorithm, ErrKeyType)
	}
	// The certificate is signed by the key itself, here, before it goes:
	// no touch needed for it.
	cert, err := tokenCertificate(priv, "root", o.now(), o.Rand)
	if err != nil {
		return Key{}, fmt.Errorf("certificate for root key %s: %w", k.ShortID(), err)
	}
	tok, err := hardware.Open(o.Serial)
	if err != nil {
		return Key{}, fmt.Errorf("%w", err)
	}
	defer tok.Close()
	slot, err := o.slot(tok)
	if err != nil {
		return Key{}, fmt.Errorf("%w", err)
	}
	if err := tok.ImportKey(o.PIN, slot, priv, o.policy(), o.Replace); err != nil {
		return Key{}, fmt.Errorf("move root key %s to Yubikey %d: %w", k.ShortID(), o.Serial, err)
	}
	if err := tok.SetCertificate(o.PIN, slot, cert); err != nil {
		return Key{}, fmt.Errorf("%w", err)
	}
	signer, err := tok.Signer(slot, hardware.SignerOptions{PIN: o.pinFunc(), Touch: o.Touch})
	if err != nil {
		return Key{}, fmt.Errorf("%w", err)
	}
	digest := sha256.Sum256([]byte("trustvault: check the key on the token"))
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return Key{}, fmt.Errorf("check root key %s on Yubikey %d: %w (the key file is unchanged)", k.ShortID(), o.Serial, err)
	}
	if !ecdsa.VerifyASN1(&priv.PublicKey, digest[:], sig) {
		return Key{}, fmt.Errorf("root key %s on Yubikey %d signed wrongly; the key file is unchanged, do not rely on the token", k.ShortID(), o.Serial)
	}
	tk, err := tokenKeyOn(tok, slot)
	if err == nil && tk.ID != k.ID {
		err = fmt.Errorf("Yubikey %d slot %s holds key %s, not %s", o.Serial, slot, vault.ShortID(tk.ID), k.ShortID())
	}
	return tk, err
}

// TokenAuth says how a signer on a token gets the PIN and tells of a touch.
type Auth struct {
	// PIN returns the token's PIN; the engine zeroes the slice.
	PIN func(vault.TokenRef) ([]byte, error)
	// Touch is called when the token waits for a touch ("touch the key
	// when it blinks"); it must not block.
	Touch func(vault.TokenRef)
}

// KeySigner is a key ready to sign: on a token when it is on one that is
// plugged in, else decrypted from its file. Close it when done (it may
// hold a token).
type Signer struct {
	crypto.Signer
	// ID is the canonical key ID.
	ID string
	// Location is LocationToken or LocationFile; Token is set for the first.
	Location vault.Location
	Token    *vault.TokenRef
	close    func() error
}

// Close releases the token, if any.
func (k *Signer) Close() error {
	if k.close == nil {
		return nil
	}
	err := k.close()
	k.close = nil
	return err
}

// Signer returns a signer for the key: the token's when the key is on a
// token that is plugged in (the token wins, as in notary), else the key
// file's, decrypted with pass. tokens is what ListTokens returned (nil: it
// is called).
func NewSigner(s *vault.Store, id string, tokens []Key, auth Auth, pass vault.PassphraseFunc) (*Signer, error) {
	if tokens == nil {
		_, tks, err := List()
		if err != nil && !Unavailable(err) {
			return nil, err
		}
		tokens = tks
	}
	want := strings.ToLower(strings.TrimSpace(id))
	for _, tk := range tokens {
		if tk.ID != want && !(len(want) >= 7 && strings.HasPrefix(tk.ID, want)) {
			continue
		}
		return tokenSigner(tk, auth)
	}
	pk, err := s.Unlock(id, pass)
	if err != nil {
		return nil, err
	}
	return &Signer{Signer: pk.Signer, ID: pk.ID, Location: vault.LocationFile}, nil
}

func tokenSigner(tk Key, auth Auth) (*Signer, error) {
	slot, err := hardware.ParseSlot(tk.Token.Slot)
	if err != nil {
		return nil, err
	}
	tok, err := hardware.Open(tk.Token.Serial)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", vault.ShortID(tk.ID), err)
	}
	ref := tk.Token
	opts := hardware.SignerOptions{}
	if auth.PIN != nil {
		opts.PIN = func() ([]byte, error) { return auth.PIN(ref) }
	}
	if auth.Touch != nil {
		opts.Touch = func() { auth.Touch(ref) }
	}
	signer, err := tok.Signer(slot, opts)
	if err != nil {
		tok.Close()
		return nil, fmt.Errorf("key %s: %w", vault.ShortID(tk.ID), err)
	}
	if id, err := tuf.CanonicalID(signer.Public()); err != nil || id != tk.ID {
		tok.Close()
		return nil, fmt.Errorf("%s holds another key than %s now", ref, vault.ShortID(tk.ID))
	}
	return &Signer{Signer: signer, ID: tk.ID, Location: vault.LocationToken, Token: &ref, close: tok.Close}, nil
}

// withToken opens the token with the serial for f and closes it.
func withToken(serial uint32, f func(*hardware.Token) error) error {
	tok, err := hardware.Open(serial)
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	defer tok.Close()
	if err := f(tok); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}

// TokenInfoOf reads one token, without a PIN.
func InfoOf(serial uint32) (Info, error) {
	var info Info
	err := withToken(serial, func(t *hardware.Token) (err error) {
		info, err = t.Info()
		return err
	})
	return info, err
}

// VerifyTokenPIN checks a token's PIN (a wrong one costs a try: a
// *TokenAuthError says how many are left).
func VerifyPIN(serial uint32, pin []byte) error {
	return withToken(serial, func(t *hardware.Token) error { return t.VerifyPIN(pin) })
}

// ChangeTokenPIN changes a token's PIN.
func ChangePIN(serial uint32, old, new []byte) error {
	return withToken(serial, func(t *hardware.Token) error { return t.ChangePIN(old, new) })
}

// UnblockTokenPIN sets a new PIN with the PUK, after the PIN was blocked.
func UnblockPIN(serial uint32, puk, newPIN []byte) error {
	return withToken(serial, func(t *hardware.Token) error { return t.UnblockPIN(puk, newPIN) })
}

// roleLabel names a key's role for a message; a key file without a role
// header is "unlabelled".
func roleLabel(r string) string {
	if r == "" {
		return "unlabelled"
	}
	return r
}
