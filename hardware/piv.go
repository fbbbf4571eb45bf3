package hardware

// PIV tokens (YubiKey 4 and later) through piv-go, with a small APDU path
// of its own for the three things piv-go does not offer: Yubico's admin
// data object, GET METADATA for the PIN, PUK and management key (YubiKey
// 5.3 and later), and a management key check that changes nothing.
//
// Whether the factory PIN, PUK or management key is still set is asked of
// the token, never guessed and never tried:
//
//   - From firmware 5.3 GET METADATA says so for all three ("default
//     value"), with the retry counters of the PIN and PUK.
//   - A YubiKey 4 cannot say whether its PIN or PUK is the factory one
//     without a try that costs a retry when it is not, so the state is
//     Unknown, unless the admin data object (5FFF00, which ykman and
//     trustvault keep) records when the PIN was last changed or that the
//     PUK is blocked. The factory PIN is never sent unless the person
//     typed it.
//   - The management key has no retry counter on any YubiKey ("you can
//     try and fail to authenticate that key as many times as you want and
//     it will never be blocked", Yubico .NET SDK, KeyEntryData.
//     RetriesRemaining), so on a YubiKey 4 trustvault asks the token by
//     running the mutual authentication with the factory key: it succeeds
//     only when that key is set, costs nothing when it fails, and changes
//     nothing either way. (A management key that requires touch, possible
//     from firmware 4.3, makes this one check wait for a touch.)

import (
	"crypto"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Slot is a PIV key slot.
type Slot uint8

// The PIV slots that hold keys for people. Retired key management slots
// are 0x82 to 0x95.
const (
	SlotAuthentication     Slot = 0x9a
	SlotSignature          Slot = 0x9c
	SlotKeyManagement      Slot = 0x9d
	SlotCardAuthentication Slot = 0x9e
)

// KeySlots lists the slots that can hold a key: 9a, 9c, 9d, 9e, then the
// retired slots 82 to 95.
func KeySlots() []Slot {
	out := []Slot{SlotAuthentication, SlotSignature, SlotKeyManagement, SlotCardAuthentication}
	for s := Slot(0x82); s <= 0x95; s++ {
		out = append(out, s)
	}
	return out
}

func (s Slot) String() string { return fmt.Sprintf("%02x", uint8(s)) }

// ParseSlot parses a slot written in hex ("9c").
func ParseSlot(str string) (Slot, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(str), "0x"), 16, 8)
	if err == nil {
		for _, s := range KeySlots() {
			if Slot(n) == s {
				return s, nil
			}
		}
	}
	return 0, fmt.Errorf("%q is not a PIV key slot: use 9a, 9c, 9d, 9e or 82 to 95", str)
}

// main reports whether the slot is one of 9a, 9c, 9d and 9e.
func (s Slot) main() bool { return s >= 0x9a && s <= 0x9e && s != 0x9b }

// Version is a token's firmware version.
type Version struct{ Major, Minor, Patch int }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// AtLeast reports whether v is major.minor.patch or later.
func (v Version) AtLeast(major, minor, patch int) bool {
	if v.Major != major {
		return v.Major > major
	}
	if v.Minor != minor {
		return v.Minor > minor
	}
	return v.Patch >= patch
}

// Model names the token by its firmware: "YubiKey 4", "YubiKey 5".
func (v Version) Model() string {
	switch {
	case v.Major >= 4:
		return fmt.Sprintf("YubiKey %d", v.Major)
	default:
		return "YubiKey NEO or older"
	}
}

// hasMetadata reports whether the token answers GET METADATA (5.3+).
func (v Version) hasMetadata() bool { return v.AtLeast(5, 3, 0) }

// State says whether a secret still has its factory value.
type State int

const (
	// StateUnknown: the token cannot say without a try that could cost a
	// retry (the PIN and PUK of a YubiKey 4).
	StateUnknown State = iota
	// StateFactory: the factory value is set.
	StateFactory
	// StateChanged: a value of the owner's is set.
	StateChanged
)

func (s State) String() string {
	switch s {
	case StateFactory:
		return "factory"
	case StateChanged:
		return "changed"
	default:
		return "unknown"
	}
}

// Credential is what the token says about its PIN or PUK.
type Credential struct {
	State State
	// Source says how the state is known (or why it is not).
	Source string
	// Retries left and Total allowed; -1 when the token cannot say (the
	// PUK of a YubiKey 4, and Total there).
	Retries, Total int
}

// Blocked reports whether no retries are left.
func (c Credential) Blocked() bool { return c.Retries == 0 }

// ManagementKeyInfo is what the token says about its management key.
type ManagementKeyInfo struct {
	State  State
	Source string
	// Algorithm is "3DES", "AES-128", "AES-192" or "AES-256".
	Algorithm string
	// Stored is set when the admin data says the key is stored on the
	// token, readable with the PIN (as trustvault's set-up and ykman's
	// --protect leave it).
	Stored bool
	// Touch is set when the token says using the key needs a touch
	// (5.3+).
	Touch bool
}

// KeyOrigin says where a slot's key came from.
type KeyOrigin int

const (
	// OriginNone: no key in the slot.
	OriginNone KeyOrigin = iota
	// OriginGenerated: generated on the token (it cannot leave it).
	OriginGenerated
	// OriginImported: imported; a copy may exist elsewhere.
	OriginImported
	// OriginUnknown: a YubiKey 4 attests only keys it generated, so a slot
	// with a certificate but no attestation holds an imported key or none.
	OriginUnknown
)

func (o KeyOrigin) String() string {
	switch o {
	case OriginGenerated:
		return "generated on the token"
	case OriginImported:
		return "imported"
	case OriginUnknown:
		return "imported or none (a YubiKey 4 attests only keys it generated)"
	default:
		return "none"
	}
}

// PINPolicy says when a key needs the PIN.
type PINPolicy int

const (
	PINPolicyUnknown PINPolicy = iota
	PINPolicyNever
	PINPolicyOnce
	PINPolicyAlways
)

func (p PINPolicy) String() string {
	return [...]string{"unknown", "never", "once", "always"}[p]
}

// TouchPolicy says when a key needs a touch.
type TouchPolicy int

const (
	TouchPolicyUnknown TouchPolicy = iota
	TouchPolicyNever
	TouchPolicyAlways
	TouchPolicyCached
)

func (p TouchPolicy) String() string {
	return [...]string{"unknown", "never", "always", "cached"}[p]
}

// KeyPolicy is the PIN and touch policy of a new key.
type KeyPolicy struct {
	PIN   PINPolicy
	Touch TouchPolicy
}

// SlotInfo describes one slot that holds a key or a certificate.
type SlotInfo struct {
	Slot   Slot
	Origin KeyOrigin
	// Algorithm is "ECCP256", "ECCP384", "RSA1024", "RSA2048" ... when
	// known.
	Algorithm   string
	PINPolicy   PINPolicy
	TouchPolicy TouchPolicy
	// Public is the key's public part, from the token's metadata or
	// attestation, else from the certificate.
	Public      crypto.PublicKey
	Certificate *x509.Certificate
}

// HasKey reports whether the slot is known to hold a key.
func (s SlotInfo) HasKey() bool { return s.Origin == OriginGenerated || s.Origin == OriginImported }

// TokenInfo is everything a token tells without a PIN.
type TokenInfo struct {
	// Reader is the PC/SC reader name.
	Reader  string
	Serial  uint32
	Version Version
	// Model is "YubiKey 4", "YubiKey 5", ...
	Model         string
	PIN, PUK      Credential
	ManagementKey ManagementKeyInfo
	// PINChanged is when the admin data says the PIN was last changed
	// (zero when it says nothing).
	PINChanged time.Time
	// Slots lists the slots with a key or a certificate.
	Slots []SlotInfo
	// Err is set when the token could not be read (in use by another
	// program, pulled out while read); the fields above hold what could.
	Err error
}

// Name is "Yubikey 12345678".
func (i TokenInfo) Name() string { return fmt.Sprintf("Yubikey %d", i.Serial) }

// Slot returns the slot's description, if it holds a key or certificate.
func (i TokenInfo) Slot(s Slot) (SlotInfo, bool) {
	for _, si := range i.Slots {
		if si.Slot == s {
			return si, true
		}
	}
	return SlotInfo{}, false
}

// SetUp reports whether the token is known to have been set up: the
// management key is not the factory one and is stored PIN-protected, the
// PIN is not the factory one, and the PUK not known to be.
func (i TokenInfo) SetUp() bool {
	return i.ManagementKey.State == StateChanged && i.ManagementKey.Stored &&
		i.PIN.State == StateChanged && i.PUK.State != StateFactory
}

// SetupRequest is what Setup needs. Secrets are []byte; Setup does not keep
// or zero them.
type SetupRequest struct {
	// PIN and PUK are the current ones, as the person typed them. PUK nil
	// leaves the PUK as it is (NewPUK is then ignored).
	PIN, PUK []byte
	// ManagementKey is the current management key; nil means the one stored
	// on the token, else the factory key when the token says it is set
	// (asked, not tried: see the package comment).
	ManagementKey []byte
	// NewPIN and NewPUK replace them (6 to 8 characters).
	NewPIN, NewPUK []byte
}

// SignerOptions say how a Signer gets the PIN and tells of a touch.
type SignerOptions struct {
	// PIN returns the PIN; the Signer zeroes the slice. It is called before
	// each signature: the Signer verifies the PIN every time, so that a
	// refusal afterwards can only be a missing touch.
	PIN func() ([]byte, error)
	// Touch, when set, is called when a signature waits for a touch: at
	// once for a key that always needs one, after a moment for one whose
	// touch may be cached. It must not block.
	Touch func()
}

// Errors a caller may branch on.
var (
	// ErrNoService means pcscd (the PC/SC daemon) is not running.
	ErrNoService = errors.New("the smart card service pcscd is not running")
	// ErrNotFound means no token with the serial asked for is plugged in.
	ErrNotFound = errors.New("no such token is plugged in")
	// ErrRemoved means the token went away during an operation.
	ErrRemoved = errors.New("the token was removed")
	// ErrInUse means another program holds the token.
	ErrInUse = errors.New("the token is in use by another program")
	// ErrTouchTimeout means the token needed a touch that did not come.
	ErrTouchTimeout = errors.New("the token was not touched in time")
	// ErrWrongManagementKey means the management key did not authenticate.
	ErrWrongManagementKey = errors.New("wrong management key")
	// ErrFactoryManagementKey means the token still has its factory
	// management key, which trustvault will not use for keys: set the
	// token up first.
	ErrFactoryManagementKey = errors.New("the token still has its factory management key: set it up first")
	// ErrNoManagementKey means the management key is neither stored on the
	// token nor the factory one, and none was given.
	ErrNoManagementKey = errors.New("the management key is not stored on the token: give it")
	// ErrSlotEmpty means the slot holds no key.
	ErrSlotEmpty = errors.New("the slot holds no key")
	// ErrSlotInUse means the slot already holds a key or certificate.
	ErrSlotInUse = errors.New("the slot already holds a key or certificate")
	// ErrNotPIV means the card in a reader is no YubiKey PIV token.
	ErrNotPIV = errors.New("not a YubiKey PIV token")
)

// AuthError is a wrong or blocked PIN or PUK.
type AuthError struct {
	// What is "PIN" or "PUK".
	What string
	// Retries left; 0 means blocked.
	Retries int
}

func (e *AuthError) Error() string {
	switch {
	case e.Retries == 0 && e.What == "PUK":
		return "the PUK is blocked: only a reset of the token's PIV application (which erases its keys) makes it usable again"
	case e.Retries == 0:
		return "the PIN is blocked: unblock it with the PUK"
	case e.Retries == 1:
		return fmt.Sprintf("wrong %s: 1 try left before it is blocked", e.What)
	}
	return fmt.Sprintf("wrong %s: %d tries left before it is blocked", e.What, e.Retries)
}

// Blocked reports whether no retries are left.
func (e *AuthError) Blocked() bool { return e.Retries == 0 }

// Admin data (Yubico's PIVMAN data object 5FFF00, as ykman reads and
// writes it): 80 { 81 flags, 82 salt, 83 PIN timestamp }.
const (
	adminDataObject   = 0x5fff00
	adminFlagPUKBlock = 0x01
	adminFlagMgmStore = 0x02
)

type adminData struct {
	present    bool
	flags      byte
	hasFlags   bool
	salt       []byte
	pinChanged time.Time
	other      []tlv // elements kept as they were
}

// parseAdminData is strict: what it accepts, encode writes back and
// parseAdminData reads again to the same value. The flags are one byte, the
// PIN timestamp four (big-endian seconds, as ykman writes them), and no
// known element appears twice.
func parseAdminData(b []byte) (adminData, error) {
	var a adminData
	if len(b) == 0 {
		return a, nil
	}
	outer, err := parseTLVs(b)
	if err != nil || len(outer) != 1 || outer[0].tag != 0x80 {
		return a, errors.New("malformed admin data")
	}
	inner, err := parseTLVs(outer[0].value)
	if err != nil {
		return a, fmt.Errorf("malformed admin data: %w", err)
	}
	a.present = true
	seen := map[uint32]bool{}
	for _, e := range inner {
		if seen[e.tag] {
			return adminData{}, fmt.Errorf("malformed admin data: element %x twice", e.tag)
		}
		seen[e.tag] = true
		switch e.tag {
		case 0x81:
			if len(e.value) != 1 {
				return adminData{}, fmt.Errorf("malformed admin data: flags of %d bytes, want 1", len(e.value))
			}
			a.flags, a.hasFlags = e.value[0], true
		case 0x82:
			a.salt = e.value
		case 0x83:
			if len(e.value) != 4 {
				return adminData{}, fmt.Errorf("malformed admin data: PIN timestamp of %d bytes, want 4", len(e.value))
			}
			a.pinChanged = time.Unix(int64(binary.BigEndian.Uint32(e.value)), 0).UTC()
		default:
			a.other = append(a.other, e)
		}
	}
	return a, nil
}

func (a adminData) encode() []byte {
	var body []byte
	if a.hasFlags || a.flags != 0 {
		body = append(body, encodeTLV(0x81, []byte{a.flags})...)
	}
	if a.salt != nil {
		body = append(body, encodeTLV(0x82, a.salt)...)
	}
	if !a.pinChanged.IsZero() {
		body = append(body, encodeTLV(0x83, binary.BigEndian.AppendUint32(nil, uint32(a.pinChanged.Unix())))...)
	}
	for _, e := range a.other {
		body = append(body, encodeTLV(e.tag, e.value)...)
	}
	return encodeTLV(0x80, body)
}

// metadata is a GET METADATA answer for the PIN, PUK or management key.
type metadata struct {
	alg          byte
	touch        bool
	isDefault    bool
	hasDefault   bool
	total, left  int
	hasRetries   bool
	pinPolicy    byte
	touchPolicy  byte
	hasPolicy    bool
	origin       byte
	publicKeyTLV []byte
}

// metadataLen is the length of each GET METADATA element of fixed size
// (Yubico's PIV extensions: 01 algorithm, 02 PIN and touch policy, 03
// origin, 05 default value, 06 retries total and left); 04, the public
// key, has none.
var metadataLen = map[uint32]int{0x01: 1, 0x02: 2, 0x03: 1, 0x05: 1, 0x06: 2}

// parseMetadata is strict: an element it knows of the wrong length, an
// element twice, or more retries left than allowed is malformed.
func parseMetadata(b []byte) (metadata, error) {
	var m metadata
	elems, err := parseTLVs(b)
	if err != nil {
		return m, errors.New("malformed metadata")
	}
	seen := map[uint32]bool{}
	for _, e := range elems {
		if seen[e.tag] {
			return metadata{}, fmt.Errorf("malformed metadata: element %02x twice", e.tag)
		}
		seen[e.tag] = true
		if want, ok := metadataLen[e.tag]; ok && len(e.value) != want {
			return metadata{}, fmt.Errorf("malformed metadata: element %02x of %d bytes, want %d", e.tag, len(e.value), want)
		}
		switch e.tag {
		case 0x01:
			m.alg = e.value[0]
		case 0x02:
			m.pinPolicy, m.touchPolicy, m.hasPolicy = e.value[0], e.value[1], true
			m.touch = e.value[1] == 0x02 || e.value[1] == 0x03
		case 0x03:
			m.origin = e.value[0]
		case 0x04:
			m.publicKeyTLV = e.value
		case 0x05:
			m.isDefault, m.hasDefault = e.value[0] == 1, true
		case 0x06:
			m.total, m.left, m.hasRetries = int(e.value[0]), int(e.value[1]), true
			if m.left > m.total {
				return metadata{}, fmt.Errorf("malformed metadata: %d of %d retries left", m.left, m.total)
			}
		}
	}
	return m, nil
}

// Management key algorithms.
const (
	alg3DES   = 0x03
	algAES128 = 0x08
	algAES192 = 0x0a
	algAES256 = 0x0c
)

func mgmAlgName(alg byte) string {
	switch alg {
	case alg3DES:
		return "3DES"
	case algAES128:
		return "AES-128"
	case algAES192:
		return "AES-192"
	case algAES256:
		return "AES-256"
	}
	return fmt.Sprintf("algorithm %#02x", alg)
}

// factoryManagementKey is the management key every YubiKey leaves the
// factory with (3DES).
var factoryManagementKey = []byte{
	1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
}

// tlv is one BER-TLV element.
type tlv struct {
	tag   uint32
	value []byte
}

var errTLV = errors.New("malformed TLV")

// maxTagBytes is the longest BER-TLV tag the card's objects use (5FC105,
// 5FFF00).
const maxTagBytes = 3

func parseTLVs(b []byte) ([]tlv, error) {
	var out []tlv
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, errTLV
		}
		tag := uint32(b[0])
		i := 1
		if b[0]&0x1f == 0x1f {
			// Subsequent tag bytes: ISO 7816 (and PIV) tags have at most
			// three bytes in all, which is what encodeTLV writes.
			for {
				if i >= len(b) || i >= maxTagBytes {
					return nil, errTLV
				}
				tag = tag<<8 | uint32(b[i])
				i++
				if b[i-1]&0x80 == 0 {
					break
				}
			}
		}
		if i >= len(b) {
			return nil, errTLV
		}
		n := int(b[i])
		i++
		switch {
		case n < 0x80:
		case n == 0x81 && i < len(b):
			n = int(b[i])
			i++
		case n == 0x82 && i+1 < len(b):
			n = int(b[i])<<8 | int(b[i+1])
			i += 2
		default:
			return nil, errTLV
		}
		if len(b)-i < n {
			return nil, errTLV
		}
		out = append(out, tlv{tag, b[i : i+n]})
		b = b[i+n:]
	}
	return out, nil
}

func encodeTLV(tag uint32, value []byte) []byte {
	var out []byte
	switch {
	case tag > 0xffff:
		out = append(out, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xff:
		out = append(out, byte(tag>>8), byte(tag))
	default:
		out = append(out, byte(tag))
	}
	switch n := len(value); {
	case n < 0x80:
		out = append(out, byte(n))
	case n <= 0xff:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, value...)
}
