//go:build cgo && (linux || darwin || freebsd || openbsd)

package hardware

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/go-piv/piv-go/v2/piv"
)

// PCSC says whether this build reaches tokens through PC/SC: it does.
const PCSC = true

// errEmpty means a reader holds no card.
var errEmpty = errors.New("no card in the reader")

// Tokens lists the YubiKey PIV tokens plugged in, sorted by serial, with
// what each tells without a PIN. It sends no PIN and tries none. A token
// that could not be read (in use by another program, pulled out while
// read) is listed with Err set. No pcscd is ErrNoService.
func Tokens() ([]TokenInfo, error) {
	readers, err := listReaders()
	if err != nil {
		return nil, err
	}
	var out []TokenInfo
	for _, r := range readers {
		info, err := inspect(r)
		switch {
		case errors.Is(err, errEmpty), errors.Is(err, ErrNotPIV):
			continue
		case err != nil:
			info.Reader, info.Err = r, err
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b TokenInfo) int { return int(int64(a.Serial) - int64(b.Serial)) })
	return out, nil
}

// listReaders lists PC/SC readers through piv.Cards; when that fails it
// asks PC/SC again directly to tell why (piv-go's errors hide the code).
func listReaders() ([]string, error) {
	names, err := piv.Cards()
	if err == nil {
		return names, nil
	}
	if _, err2 := pcscReaders(); err2 != nil {
		return nil, fmt.Errorf("%w", err2)
	}
	return nil, fmt.Errorf("list the card readers: %w", err)
}

// inspect reads one reader's token: the raw probe first, then piv-go.
func inspect(reader string) (TokenInfo, error) {
	p, err := probeReader(reader)
	if err != nil {
		return TokenInfo{Reader: reader, Serial: p.serial, Version: p.version}, err
	}
	yk, err := piv.Open(reader)
	if err != nil {
		return TokenInfo{Reader: reader, Serial: p.serial, Version: p.version}, classify(err, reader, "")
	}
	defer yk.Close()
	return readInfo(yk, reader, p)
}

// probeReader runs the raw probe on a reader's card.
func probeReader(reader string) (probe, error) {
	if ok, err := readerHasCard(reader); err == nil && !ok {
		return probe{}, errEmpty
	}
	c, err := openPCSCCard(reader)
	if err != nil {
		if errors.Is(err, ErrRemoved) {
			return probe{}, errEmpty
		}
		return probe{}, err
	}
	defer c.close()
	return runProbe(c)
}

// readInfo completes a probe with what piv-go reads.
func readInfo(yk *piv.YubiKey, reader string, p probe) (TokenInfo, error) {
	info := TokenInfo{Reader: reader, Serial: p.serial, Version: p.version, Model: p.version.Model()}
	retries := -1
	if n, err := yk.Retries(); err == nil {
		retries = n
	} else if cerr := classify(err, reader, "PIN"); errors.Is(cerr, ErrRemoved) {
		return info, cerr
	}
	info.PIN, info.PUK, info.ManagementKey = p.credentials(retries)
	info.PINChanged = p.admin.pinChanged
	for _, s := range KeySlots() {
		si, err := readSlot(yk, p.version, s)
		if err != nil {
			return info, classify(err, reader, "")
		}
		if si.Origin != OriginNone || si.Certificate != nil {
			info.Slots = append(info.Slots, si)
		}
	}
	return info, nil
}

// pivSlot is piv-go's value for a slot.
func pivSlot(s Slot) piv.Slot {
	switch s {
	case SlotAuthentication:
		return piv.SlotAuthentication
	case SlotSignature:
		return piv.SlotSignature
	case SlotKeyManagement:
		return piv.SlotKeyManagement
	case SlotCardAuthentication:
		return piv.SlotCardAuthentication
	}
	ps, _ := piv.RetiredKeyManagementSlot(uint32(s))
	return ps
}

var oidYubicoPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 8}

// readSlot reads a slot's certificate and what the token says about its
// key: GET METADATA from 5.3; before, an attestation (from 4.3), which
// exists only for keys generated on the token. Retired slots are attested
// only when they hold a certificate: attesting is slow on hardware.
func readSlot(yk *piv.YubiKey, v Version, s Slot) (SlotInfo, error) {
	ps := pivSlot(s)
	si := SlotInfo{Slot: s}
	cert, err := yk.Certificate(ps)
	switch {
	case err == nil:
		si.Certificate = cert
	case errors.Is(err, piv.ErrNotFound):
	case isTransportError(err):
		return si, err
	default:
		// An object that does not parse as a certificate: leave it out.
	}
	switch {
	case v.hasMetadata():
		ki, err := yk.KeyInfo(ps)
		switch {
		case err == nil:
			si.Origin = OriginImported
			if ki.Origin == piv.OriginGenerated {
				si.Origin = OriginGenerated
			}
			si.Algorithm = algorithmName(ki.Algorithm)
			si.PINPolicy, si.TouchPolicy = pinPolicyOf(ki.PINPolicy), touchPolicyOf(ki.TouchPolicy)
			si.Public = ki.PublicKey
		case errors.Is(err, piv.ErrNotFound):
		case isTransportError(err):
			return si, err
		}
	case v.AtLeast(4, 3, 0) && (s.main() || si.Certificate != nil):
		att, err := yk.Attest(ps)
		switch {
		case err == nil:
			si.Origin = OriginGenerated
			si.Public = att.PublicKey
			si.Algorithm = publicAlgorithm(att.PublicKey)
			for _, e := range att.Extensions {
				if e.Id.Equal(oidYubicoPolicy) && len(e.Value) == 2 {
					si.PINPolicy, si.TouchPolicy = pinPolicyByte(e.Value[0]), touchPolicyByte(e.Value[1])
				}
			}
		case errors.Is(err, piv.ErrNotFound):
			if si.Certificate != nil {
				si.Origin = OriginUnknown
			}
		case isTransportError(err):
			return si, err
		}
	default:
		if si.Certificate != nil {
			si.Origin = OriginUnknown
		}
	}
	if si.Public == nil && si.Certificate != nil {
		si.Public = si.Certificate.PublicKey
		si.Algorithm = publicAlgorithm(si.Public)
	}
	return si, nil
}

func algorithmName(a piv.Algorithm) string {
	switch a {
	case piv.AlgorithmEC256:
		return "ECCP256"
	case piv.AlgorithmEC384:
		return "ECCP384"
	case piv.AlgorithmEd25519:
		return "ED25519"
	case piv.AlgorithmRSA1024:
		return "RSA1024"
	case piv.AlgorithmRSA2048:
		return "RSA2048"
	case piv.AlgorithmRSA3072:
		return "RSA3072"
	case piv.AlgorithmRSA4096:
		return "RSA4096"
	}
	return ""
}

func publicAlgorithm(pub crypto.PublicKey) string {
	if k, ok := pub.(*ecdsa.PublicKey); ok {
		switch k.Curve {
		case elliptic.P256():
			return "ECCP256"
		case elliptic.P384():
			return "ECCP384"
		}
	}
	return ""
}

func pinPolicyOf(p piv.PINPolicy) PINPolicy {
	switch p {
	case piv.PINPolicyNever:
		return PINPolicyNever
	case piv.PINPolicyOnce:
		return PINPolicyOnce
	case piv.PINPolicyAlways:
		return PINPolicyAlways
	}
	return PINPolicyUnknown
}

func touchPolicyOf(p piv.TouchPolicy) TouchPolicy {
	switch p {
	case piv.TouchPolicyNever:
		return TouchPolicyNever
	case piv.TouchPolicyAlways:
		return TouchPolicyAlways
	case piv.TouchPolicyCached:
		return TouchPolicyCached
	}
	return TouchPolicyUnknown
}

func pinPolicyByte(b byte) PINPolicy {
	if b >= 1 && b <= 3 {
		return PINPolicy(b)
	}
	return PINPolicyUnknown
}

func touchPolicyByte(b byte) TouchPolicy {
	if b >= 1 && b <= 3 {
		return TouchPolicy(b)
	}
	return TouchPolicyUnknown
}

func toPivPINPolicy(p PINPolicy) (piv.PINPolicy, error) {
	switch p {
	case PINPolicyNever:
		return piv.PINPolicyNever, nil
	case PINPolicyOnce:
		return piv.PINPolicyOnce, nil
	case PINPolicyAlways:
		return piv.PINPolicyAlways, nil
	}
	return 0, errors.New("choose a PIN policy (never, once or always)")
}

func toPivTouchPolicy(p TouchPolicy) (piv.TouchPolicy, error) {
	switch p {
	case TouchPolicyNever:
		return piv.TouchPolicyNever, nil
	case TouchPolicyAlways:
		return piv.TouchPolicyAlways, nil
	case TouchPolicyCached:
		return piv.TouchPolicyCached, nil
	}
	return 0, errors.New("choose a touch policy (never, always or cached)")
}

// pcscMessages are piv-go v2.6.0's texts for the PC/SC codes trustvault
// tells apart (piv-go's error type is unexported).
var pcscMessages = []struct {
	text string
	err  error
}{
	{"resource manager is not running", ErrNoService},
	{"resource manager has shut down", ErrNoService},
	{"smart card has been removed", ErrRemoved},
	{"no Smart Card is currently in the device", ErrRemoved},
	{"power has been removed from the smart card", ErrRemoved},
	{"smart card has been reset", ErrRemoved},
	{"not responding to a reset", ErrRemoved},
	{"reader is not currently available", ErrRemoved},
	{"reader name is not recognized", ErrRemoved},
	{"communications error with the smart card", ErrRemoved},
	{"because of other connections outstanding", ErrInUse},
	// vpcd, and readers whose card goes away mid-command, answer nothing.
	{"scard response too short: 0", ErrRemoved},
}

// isTransportError reports whether err is PC/SC failing, not the token
// answering.
func isTransportError(err error) bool {
	var st interface{ Status() uint16 }
	if errors.As(err, &st) {
		return false
	}
	msg := err.Error()
	for _, m := range pcscMessages {
		if strings.Contains(msg, m.text) {
			return true
		}
	}
	return strings.Contains(msg, "transmitting request")
}

// errSecurity is status 6982, "security status not satisfied": after a
// VERIFY that succeeded, a missing touch.
var errSecurity = errors.New("security status not satisfied (6982)")

// classify maps piv-go's errors to the package's: a wrong or blocked PIN or
// PUK (what names which), a token removed or in use, no pcscd. When PC/SC
// fails in a way it does not name, it looks whether the token is still
// there.
func classify(err error, reader, what string) error {
	if err == nil {
		return nil
	}
	for _, sentinel := range []error{ErrNoService, ErrRemoved, ErrInUse, ErrTouchTimeout, ErrNotFound,
		ErrWrongManagementKey, ErrFactoryManagementKey, ErrNoManagementKey, ErrSlotEmpty, ErrSlotInUse} {
		if errors.Is(err, sentinel) {
			return err
		}
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return err
	}
	var pae piv.AuthErr
	if errors.As(err, &pae) && what != "" {
		return &AuthError{What: what, Retries: pae.Retries}
	}
	var st interface{ Status() uint16 }
	if errors.As(err, &st) {
		if st.Status() == swSecurity {
			return fmt.Errorf("%w: %v", errSecurity, err)
		}
		return err
	}
	msg := err.Error()
	for _, m := range pcscMessages {
		if strings.Contains(msg, m.text) {
			return fmt.Errorf("%w (%v)", m.err, err)
		}
	}
	if reader != "" {
		if present, perr := readerHasCard(reader); perr == nil && !present {
			return fmt.Errorf("%w (%v)", ErrRemoved, err)
		}
	}
	return err
}

// Token is an exclusive connection to one token; no other program can use
// it until Close. Methods are not safe for concurrent use.
type Token struct {
	reader string
	serial uint32
	probe  probe
	yk     *piv.YubiKey
	slots  map[Slot]SlotInfo
	// Rand is the randomness for new management keys (crypto/rand).
	Rand io.Reader
}

// Open opens the token with the serial number: ErrNotFound when it is not
// plugged in, ErrInUse when another program holds it.
func Open(serial uint32) (*Token, error) {
	readers, err := listReaders()
	if err != nil {
		return nil, err
	}
	var seen []string
	var firstErr, inUse error
	for _, r := range readers {
		p, err := probeReader(r)
		switch {
		case errors.Is(err, errEmpty), errors.Is(err, ErrNotPIV):
			continue
		case errors.Is(err, ErrInUse):
			inUse = fmt.Errorf("the token in %s: %w", r, err)
			continue
		case err != nil:
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", r, err)
			}
			continue
		}
		seen = append(seen, fmt.Sprint(p.serial))
		if p.serial != serial {
			continue
		}
		yk, err := piv.Open(r)
		if err != nil {
			return nil, fmt.Errorf("open Yubikey %d: %w", serial, classify(err, r, ""))
		}
		return &Token{reader: r, serial: serial, probe: p, yk: yk, slots: map[Slot]SlotInfo{}, Rand: rand.Reader}, nil
	}
	msg := "none is"
	if len(seen) > 0 {
		msg = "plugged in: " + strings.Join(seen, ", ")
	}
	if inUse != nil {
		// Perhaps the one asked for: say so rather than "not found".
		return nil, fmt.Errorf("Yubikey %d is not among the tokens that could be read (%s): %w", serial, msg, inUse)
	}
	if firstErr != nil {
		return nil, fmt.Errorf("Yubikey %d: %w (%s; %v)", serial, ErrNotFound, msg, firstErr)
	}
	return nil, fmt.Errorf("Yubikey %d: %w (%s)", serial, ErrNotFound, msg)
}

// Close releases the token.
func (t *Token) Close() error {
	if t.yk == nil {
		return nil
	}
	err := t.yk.Close()
	t.yk = nil
	return err
}

// Serial is the token's serial number.
func (t *Token) Serial() uint32 { return t.serial }

// Version is the token's firmware version.
func (t *Token) Version() Version { return t.probe.version }

// Name is "Yubikey 12345678".
func (t *Token) Name() string { return fmt.Sprintf("Yubikey %d", t.serial) }

func (t *Token) err(op string, err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", op, t.Name(), classify(err, t.reader, what))
}

// reopen gives piv-go a fresh session (no PIN or management key state),
// after running f, when not nil, on a raw connection in between.
func (t *Token) reopen(f func(c *pcscCard) error) error {
	if t.yk != nil {
		t.yk.Close()
		t.yk = nil
	}
	var ferr error
	if f != nil {
		c, err := openPCSCCard(t.reader)
		if err != nil {
			return err
		}
		ferr = f(c)
		c.close()
	}
	yk, err := piv.Open(t.reader)
	if err != nil {
		return classify(err, t.reader, "")
	}
	serial, err := yk.Serial()
	if err != nil || serial != t.serial {
		yk.Close()
		if err != nil {
			return classify(err, t.reader, "")
		}
		return fmt.Errorf("%w: another token (%d) is in its reader now", ErrRemoved, serial)
	}
	t.yk = yk
	return ferr
}

// Info reads what the token tells without a PIN, afresh.
func (t *Token) Info() (TokenInfo, error) {
	if err := t.reopen(func(c *pcscCard) error {
		p, err := runProbe(c)
		if err == nil {
			t.probe = p
		}
		return err
	}); err != nil {
		return TokenInfo{Reader: t.reader, Serial: t.serial}, t.err("read", err, "")
	}
	info, err := readInfo(t.yk, t.reader, t.probe)
	if err != nil {
		return info, t.err("read", err, "")
	}
	t.slots = map[Slot]SlotInfo{}
	for _, si := range info.Slots {
		t.slots[si.Slot] = si
	}
	return info, nil
}

// slotInfo returns what is known about a slot, reading it if need be.
func (t *Token) slotInfo(s Slot) (SlotInfo, error) {
	if si, ok := t.slots[s]; ok {
		return si, nil
	}
	si, err := readSlot(t.yk, t.probe.version, s)
	if err != nil {
		return si, t.err("read slot "+s.String()+" of", err, "")
	}
	t.slots[s] = si
	return si, nil
}

// checkPIN checks a new PIN or PUK: 6 to 8 characters of printable ASCII.
func checkPIN(what string, p []byte) error {
	if len(p) < 6 || len(p) > 8 {
		return fmt.Errorf("a %s has 6 to 8 characters, not %d", what, len(p))
	}
	for _, b := range p {
		if b < 0x20 || b > 0x7e {
			return fmt.Errorf("a %s is printable ASCII (digits are safest)", what)
		}
	}
	return nil
}

// VerifyPIN checks the PIN: an *AuthError with the tries left when it is
// wrong or blocked.
func (t *Token) VerifyPIN(pin []byte) error {
	return t.err("verify the PIN of", t.yk.VerifyPIN(string(pin)), "PIN")
}

// ChangePIN changes the PIN; the admin data records when (if the
// management key is stored on the token).
func (t *Token) ChangePIN(old, new []byte) error {
	if err := checkPIN("PIN", new); err != nil {
		return err
	}
	if err := t.yk.SetPIN(string(old), string(new)); err != nil {
		return t.err("change the PIN of", err, "PIN")
	}
	t.recordPINChange(new)
	return nil
}

// ChangePUK changes the PUK.
func (t *Token) ChangePUK(old, new []byte) error {
	if err := checkPIN("PUK", new); err != nil {
		return err
	}
	return t.err("change the PUK of", t.yk.SetPUK(string(old), string(new)), "PUK")
}

// UnblockPIN sets a new PIN with the PUK (after the PIN was blocked, or to
// replace a forgotten one).
func (t *Token) UnblockPIN(puk, newPIN []byte) error {
	if err := checkPIN("PIN", newPIN); err != nil {
		return err
	}
	if err := t.yk.Unblock(string(puk), string(newPIN)); err != nil {
		return t.err("unblock the PIN of", err, "PUK")
	}
	t.recordPINChange(newPIN)
	return nil
}

// recordPINChange notes the change in the admin data when the management
// key is stored there. It is a record for later reads; failing to write it
// changes nothing else.
func (t *Token) recordPINChange(pin []byte) {
	m, err := t.yk.Metadata(string(pin))
	if err != nil || m.ManagementKey == nil {
		_ = t.reopen(nil)
		return
	}
	key := *m.ManagementKey
	_ = t.reopen(func(c *pcscCard) error {
		alg, err := mgmAlgorithm(c, t.probe.version)
		if err != nil {
			return err
		}
		return writeAdminData(c, alg, key, time.Now())
	})
}

// mgmAlgorithm asks the token for its management key's algorithm (5.3+);
// older tokens have 3DES.
func mgmAlgorithm(c rawCard, v Version) (byte, error) {
	if err := selectPIV(c); err != nil {
		return 0, err
	}
	if !v.hasMetadata() {
		return alg3DES, nil
	}
	data, err := expectOK(c, command(0xf7, 0x00, 0x9b, nil))
	if err != nil {
		return 0, err
	}
	m, err := parseMetadata(data)
	return m.alg, err
}

// managementKey returns the management key stored on the token under the
// PIN. The factory key is refused: set the token up first.
func (t *Token) managementKey(pin []byte) ([]byte, error) {
	m, err := t.yk.Metadata(string(pin))
	if err != nil {
		return nil, t.err("read the stored management key of", err, "PIN")
	}
	if m.ManagementKey != nil {
		return *m.ManagementKey, nil
	}
	if t.probe.mgmFactory == StateFactory || t.probe.version.hasMetadata() && t.probe.mgmMeta.isDefault {
		return nil, fmt.Errorf("%s: %w", t.Name(), ErrFactoryManagementKey)
	}
	return nil, fmt.Errorf("%s: %w", t.Name(), ErrNoManagementKey)
}

// Setup hardens a token: a new PUK, a random management key stored on the
// token under the PIN (and recorded in the admin data, as ykman does), and
// a new PIN. It goes in an order that leaves a usable token when it stops
// half-way: the PIN is checked first and changed last, and the new
// management key is stored before it is set.
func (t *Token) Setup(r SetupRequest) error {
	if err := checkPIN("PIN", r.NewPIN); err != nil {
		return err
	}
	if r.PUK != nil {
		if err := checkPIN("PUK", r.NewPUK); err != nil {
			return err
		}
	}
	// Reading the stored management key verifies the PIN first.
	meta, err := t.yk.Metadata(string(r.PIN))
	if err != nil {
		return t.err("read the stored management key of", err, "PIN")
	}
	old := r.ManagementKey
	switch {
	case old != nil:
	case meta.ManagementKey != nil:
		old = *meta.ManagementKey
	case t.probe.mgmFactory == StateFactory || t.probe.version.hasMetadata() && t.probe.mgmMeta.isDefault:
		old = factoryManagementKey
	default:
		return fmt.Errorf("set up %s: %w", t.Name(), ErrNoManagementKey)
	}
	if r.PUK != nil {
		if err := t.yk.SetPUK(string(r.PUK), string(r.NewPUK)); err != nil {
			return t.err("change the PUK of", err, "PUK")
		}
	}
	key := make([]byte, 24)
	if _, err := io.ReadFull(t.Rand, key); err != nil {
		return fmt.Errorf("new management key: %w", err)
	}
	meta.ManagementKey = &key
	if err := t.yk.SetMetadata(old, meta); err != nil {
		err = classify(err, t.reader, "")
		if errors.Is(err, errSecurity) {
			err = ErrWrongManagementKey
		}
		return fmt.Errorf("store the new management key on %s: %w", t.Name(), err)
	}
	if err := t.yk.SetManagementKey(old, key); err != nil {
		return t.err("set the new management key of", err, "")
	}
	if err := t.yk.SetPIN(string(r.PIN), string(r.NewPIN)); err != nil {
		return t.err("change the PIN of", err, "PIN")
	}
	if err := t.reopen(func(c *pcscCard) error {
		alg, err := mgmAlgorithm(c, t.probe.version)
		if err != nil {
			return err
		}
		return writeAdminData(c, alg, key, time.Now())
	}); err != nil {
		return t.err("record the set-up in the admin data of", err, "")
	}
	_, err = t.Info()
	return err
}

// GenerateKey generates an ECDSA P-256 key in the slot, with the
// management key stored on the token under the PIN. A slot that holds a key
// or certificate is refused (ErrSlotInUse) unless replace is set.
func (t *Token) GenerateKey(pin []byte, s Slot, policy KeyPolicy, replace bool) (crypto.PublicKey, error) {
	pp, err := toPivPINPolicy(policy.PIN)
	if err != nil {
		return nil, err
	}
	tp, err := toPivTouchPolicy(policy.Touch)
	if err != nil {
		return nil, err
	}
	if err := t.checkFree(s, replace); err != nil {
		return nil, err
	}
	key, err := t.managementKey(pin)
	if err != nil {
		return nil, err
	}
	pub, err := t.yk.GenerateKey(key, pivSlot(s), piv.Key{Algorithm: piv.AlgorithmEC256, PINPolicy: pp, TouchPolicy: tp})
	delete(t.slots, s)
	if err != nil {
		return nil, t.err("generate a key on", err, "")
	}
	return pub, nil
}

// ImportKey puts an ECDSA P-256 key into the slot (see GenerateKey).
func (t *Token) ImportKey(pin []byte, s Slot, priv *ecdsa.PrivateKey, policy KeyPolicy, replace bool) error {
	if priv.Curve != elliptic.P256() {
		return errors.New("only ECDSA P-256 keys are imported")
	}
	pp, err := toPivPINPolicy(policy.PIN)
	if err != nil {
		return err
	}
	tp, err := toPivTouchPolicy(policy.Touch)
	if err != nil {
		return err
	}
	if err := t.checkFree(s, replace); err != nil {
		return err
	}
	key, err := t.managementKey(pin)
	if err != nil {
		return err
	}
	err = t.yk.SetPrivateKeyInsecure(key, pivSlot(s), priv, piv.Key{Algorithm: piv.AlgorithmEC256, PINPolicy: pp, TouchPolicy: tp})
	delete(t.slots, s)
	// What the token knows about the key: imported, with these policies
	// (a YubiKey 4 cannot tell them later).
	t.slots[s] = SlotInfo{Slot: s, Origin: OriginImported, Algorithm: "ECCP256", PINPolicy: policy.PIN, TouchPolicy: policy.Touch, Public: priv.Public()}
	if err != nil {
		delete(t.slots, s)
		return t.err("import a key into", err, "")
	}
	return nil
}

func (t *Token) checkFree(s Slot, replace bool) error {
	if replace {
		return nil
	}
	si, err := t.slotInfo(s)
	if err != nil {
		return err
	}
	if si.HasKey() || si.Certificate != nil || si.Origin == OriginUnknown {
		return fmt.Errorf("%s slot %s: %w", t.Name(), s, ErrSlotInUse)
	}
	return nil
}

// SetCertificate stores a certificate in the slot.
func (t *Token) SetCertificate(pin []byte, s Slot, cert *x509.Certificate) error {
	key, err := t.managementKey(pin)
	if err != nil {
		return err
	}
	if err := t.yk.SetCertificate(key, pivSlot(s), cert); err != nil {
		return t.err("store a certificate on", err, "")
	}
	if si, ok := t.slots[s]; ok {
		si.Certificate = cert
		t.slots[s] = si
	}
	return nil
}

// Slot returns what the token says about one slot.
func (t *Token) Slot(s Slot) (SlotInfo, error) { return t.slotInfo(s) }

// touchPromptDelay is how long a signature may take before Touch is called
// for a key whose touch may be cached: long enough for the card to answer
// when no touch is needed.
const touchPromptDelay = 300 * time.Millisecond

// Signer signs with a key on the token. It is valid until the token is
// closed.
type Signer struct {
	t     *Token
	slot  Slot
	pub   crypto.PublicKey
	priv  crypto.Signer
	touch TouchPolicy
	opts  SignerOptions
	// pin is the PIN verified by Sign before the touch prompt, which
	// piv-go's own prompt then hands back; nil outside Sign.
	pin []byte
}

var _ crypto.Signer = (*Signer)(nil)

// Signer returns a signer for the key in the slot.
func (t *Token) Signer(s Slot, opts SignerOptions) (*Signer, error) {
	si, err := t.slotInfo(s)
	if err != nil {
		return nil, err
	}
	if si.Public == nil {
		return nil, fmt.Errorf("%s slot %s: %w", t.Name(), s, ErrSlotEmpty)
	}
	sg := &Signer{t: t, slot: s, pub: si.Public, touch: si.TouchPolicy, opts: opts}
	auth := piv.KeyAuth{PINPolicy: piv.PINPolicyAlways}
	if opts.PIN != nil {
		auth.PINPrompt = func() (string, error) {
			if sg.pin != nil {
				return string(sg.pin), nil
			}
			p, err := opts.PIN()
			s := string(p)
			clear(p)
			return s, err
		}
	}
	priv, err := t.yk.PrivateKey(pivSlot(s), si.Public, auth)
	if err != nil {
		return nil, t.err("use the key in slot "+s.String()+" of", err, "")
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s slot %s: the key cannot sign", t.Name(), s)
	}
	sg.priv = signer
	return sg, nil
}

// Public returns the key's public part.
func (s *Signer) Public() crypto.PublicKey { return s.pub }

// Slot is the key's slot.
func (s *Signer) Slot() Slot { return s.slot }

// TouchPolicy is the key's touch policy, as far as the token tells.
func (s *Signer) TouchPolicy() TouchPolicy { return s.touch }

// verifyFirst asks for the PIN and verifies it before the person is told to
// touch the token: a wrong PIN is then said as such, with no prompt to
// touch a token that will not sign. piv-go verifies it again, as the PIN
// policy "always" wants, right before the signature.
func (s *Signer) verifyFirst() error {
	if s.opts.PIN == nil {
		return nil
	}
	pin, err := s.opts.PIN()
	if err != nil {
		return err
	}
	if err := s.t.yk.VerifyPIN(string(pin)); err != nil {
		clear(pin)
		return classify(err, s.t.reader, "PIN")
	}
	s.pin = pin
	return nil
}

// Sign signs a digest on the token. A missing touch is ErrTouchTimeout, a
// wrong PIN an *AuthError, a token pulled out ErrRemoved.
func (s *Signer) Sign(random io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if s.opts.Touch != nil && s.touch != TouchPolicyNever {
		if err := s.verifyFirst(); err != nil {
			return nil, fmt.Errorf("sign with %s slot %s: %w", s.t.Name(), s.slot, err)
		}
		defer func() { clear(s.pin); s.pin = nil }()
		if s.touch == TouchPolicyAlways {
			// Told before the card is asked, not from a timer: a card that
			// answers at once would otherwise race the prompt, and the
			// person would never be told the token wanted a touch.
			s.opts.Touch()
		} else {
			timer := time.AfterFunc(touchPromptDelay, s.opts.Touch)
			defer timer.Stop()
		}
	}
	sig, err := s.priv.Sign(random, digest, opts)
	if err == nil {
		return sig, nil
	}
	err = classify(err, s.t.reader, "PIN")
	if errors.Is(err, errSecurity) {
		// The PIN was verified just before (PIN policy "always" on the
		// host's side), so the token is missing a touch.
		err = ErrTouchTimeout
	}
	return nil, fmt.Errorf("sign with %s slot %s: %w", s.t.Name(), s.slot, err)
}
