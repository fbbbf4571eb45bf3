// Package pivemu is a PIV card emulator that answers the APDUs piv-go,
// yubico-piv-tool and trustvault send, as a YubiKey 4.3.x does, and as a
// YubiKey 5.x where the two differ. It exists for tests only: it is reached
// through the real pcscd and the vsmartcard vpcd reader driver (ServeVPCD),
// so that the code under test runs its real PC/SC path.
//
// The card logic is independent of the transport: Transmit takes one
// command APDU and returns the response APDU. A Card records every command
// it saw (Commands, Verifies), so that tests can prove what was sent, and
// has knobs for what hardware does that software cannot: a touch that is
// given, refused or slow (Options.Touch), and a card pulled out in the
// middle of an operation (Reader.RemoveAfter).
//
// Fidelity: what differs between a YubiKey 4 and a 5 follows
// ../../../../shared/reference/PIV-RIG.md §5 (a YubiKey 4 has no GET
// SERIAL or GET METADATA, reads its serial from the OTP applet, has 3DES
// management keys only and attests from 4.3). Status words that could not
// be checked against hardware are marked "best guess" where they are
// produced. Ed25519, X25519 and RSA 3072/4096 (YubiKey 5.7) are not
// emulated; biometrics are not emulated.
package pivemu

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"
)

// Status words.
const (
	swOK              = 0x9000
	swWrongLength     = 0x6700
	swSecurity        = 0x6982 // security status not satisfied (also: touch timeout)
	swBlocked         = 0x6983
	swConditions      = 0x6985
	swIncorrectData   = 0x6a80
	swNotFound        = 0x6a82
	swIncorrectP1P2   = 0x6a86
	swRefNotFound     = 0x6a88
	swInsNotSupported = 0x6d00
	swClaNotSupported = 0x6e00
)

// Instructions.
const (
	insVerify       = 0x20
	insChangeRef    = 0x24
	insResetRetry   = 0x2c
	insGenerate     = 0x47
	insAuthenticate = 0x87
	insSelect       = 0xa4
	insGetResponse  = 0xc0
	insGetData      = 0xcb
	insPutData      = 0xdb
	insGetMetadata  = 0xf7
	insGetSerial    = 0xf8
	insAttest       = 0xf9
	insSetRetries   = 0xfa
	insReset        = 0xfb
	insGetVersion   = 0xfd
	insImportKey    = 0xfe
	insSetMgmKey    = 0xff
	// OTP applet: read the serial (P1 0x10).
	insOTPAPI = 0x01
	// Management applet: read the device configuration.
	insReadConfig = 0x1d
)

// Algorithm identifiers.
const (
	Alg3DES    = 0x03
	AlgAES128  = 0x08
	AlgAES192  = 0x0a
	AlgAES256  = 0x0c
	AlgRSA1024 = 0x06
	AlgRSA2048 = 0x07
	AlgECCP256 = 0x11
	AlgECCP384 = 0x14
	algPIN     = 0xff // GET METADATA's algorithm for the PIN and PUK
)

// PIN and touch policies as the card encodes them.
const (
	PolicyDefault = 0x00
	PINNever      = 0x01
	PINOnce       = 0x02
	PINAlways     = 0x03
	TouchNever    = 0x01
	TouchAlways   = 0x02
	TouchCached   = 0x03
)

// Key references.
const (
	refPIN      = 0x80
	refPUK      = 0x81
	refMgmt     = 0x9b
	slotAttest  = 0xf9
	touchCached = 15 * time.Second
)

// Application IDs.
var (
	aidPIV  = []byte{0xa0, 0x00, 0x00, 0x03, 0x08}
	aidOTP  = []byte{0xa0, 0x00, 0x00, 0x05, 0x27, 0x20, 0x01}
	aidMgmt = []byte{0xa0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17}
)

// Factory values.
var (
	FactoryPIN           = []byte("123456")
	FactoryPUK           = []byte("12345678")
	FactoryManagementKey = []byte{
		1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
	}
)

// ATRs: pcscd needs T=1 in them; piv-go ignores them.
var (
	atrYubiKey4 = []byte{0x3b, 0xf8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x15, 0x59, 0x75, 0x62, 0x69, 0x6b, 0x65, 0x79, 0x34, 0xd4}
	atrYubiKey5 = []byte{0x3b, 0xfd, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x15, 0x80, 0x73, 0xc0, 0x21, 0xc0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4b, 0x65, 0x79, 0x40}
)

// Options describe a card.
type Options struct {
	// Version is the firmware, e.g. {4, 3, 7} or {5, 4, 3}.
	Version [3]byte
	Serial  uint32
	// Rand is the card's randomness (default crypto/rand).
	Rand io.Reader
	// Touch is asked whenever an operation needs a touch; it returns
	// whether the person touched the key in time. It may sleep to act out
	// the wait (the card answers nothing meanwhile, as hardware does). Nil
	// means an immediate touch.
	Touch func(slot byte) bool
}

// Command is one command APDU as the card received it.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
}

// keySlot is a private key in a slot.
type keySlot struct {
	alg         byte
	priv        crypto.Signer
	pinPolicy   byte
	touchPolicy byte
	generated   bool
}

// Card is one emulated YubiKey's PIV state. It is safe for use by several
// goroutines.
type Card struct {
	mu   sync.Mutex
	opts Options
	rand io.Reader

	pin, puk             []byte // padded to 8 bytes with 0xff
	pinTotal, pinLeft    int
	pukTotal, pukLeft    int
	pinDefault           bool
	pukDefault           bool
	mgmAlg               byte
	mgmKey               []byte
	mgmTouch, mgmDefault bool
	slots                map[byte]*keySlot
	objects              map[uint32][]byte // tag -> content of the 53 object

	attKey  *ecdsa.PrivateKey
	attCert *x509.Certificate
	attRoot *x509.Certificate

	// Session state, cleared by SELECT, reset and power off.
	selected     []byte
	pinVerified  bool
	pinJustNow   bool // the previous command was a successful VERIFY
	mgmAuthed    bool
	witness      []byte
	challenge    []byte
	lastTouch    time.Time
	chain        []byte
	chainINS     byte
	pending      []byte
	pendingValid bool

	log []Command
}

// New makes a card in factory state: default PIN, PUK and management key
// (3DES), 3 retries each, no keys, and an attestation key with a
// certificate from a fake Yubico CA (AttestationRoot).
func New(opts Options) *Card {
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	c := &Card{opts: opts, rand: opts.Rand}
	c.factoryReset()
	c.makeAttestation()
	return c
}

// NewYubiKey4 is a YubiKey 4 with firmware 4.3.7.
func NewYubiKey4(serial uint32) *Card {
	return New(Options{Version: [3]byte{4, 3, 7}, Serial: serial})
}

// NewYubiKey5 is a YubiKey 5 with firmware 5.4.3.
func NewYubiKey5(serial uint32) *Card {
	return New(Options{Version: [3]byte{5, 4, 3}, Serial: serial})
}

func (c *Card) factoryReset() {
	c.pin, c.puk = pad8(FactoryPIN), pad8(FactoryPUK)
	c.pinTotal, c.pinLeft, c.pukTotal, c.pukLeft = 3, 3, 3, 3
	c.pinDefault, c.pukDefault = true, true
	c.mgmAlg, c.mgmKey, c.mgmTouch, c.mgmDefault = Alg3DES, bytes.Clone(FactoryManagementKey), false, true
	c.slots = map[byte]*keySlot{}
	keep := c.objects[0x5fff01]
	c.objects = map[uint32][]byte{}
	if keep != nil {
		c.objects[0x5fff01] = keep
	}
	c.resetSession()
}

func (c *Card) resetSession() {
	c.selected = nil
	c.pinVerified, c.pinJustNow, c.mgmAuthed = false, false, false
	c.witness, c.challenge = nil, nil
	c.chain, c.pending, c.pendingValid = nil, nil, false
}

// makeAttestation creates a fake Yubico root and the card's attestation
// key and certificate (slot f9).
func (c *Card) makeAttestation() {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), c.rand)
	if err != nil {
		panic(err)
	}
	rootTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(263751),
		Subject:               pkix.Name{CommonName: "Yubico PIV Root CA Serial 263751 (pivemu)"},
		NotBefore:             time.Date(2016, 3, 14, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2052, 4, 17, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	rootDER, err := x509.CreateCertificate(c.rand, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		panic(err)
	}
	c.attRoot, _ = x509.ParseCertificate(rootDER)
	c.attKey, err = ecdsa.GenerateKey(elliptic.P256(), c.rand)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(c.opts.Serial) + 1),
		Subject:      pkix.Name{CommonName: "Yubico PIV Attestation"},
		NotBefore:    rootTmpl.NotBefore,
		NotAfter:     rootTmpl.NotAfter,
		// A YubiKey 4's attestation certificate has no basic constraints
		// (piv-go works around it); this one says CA so that Go verifies.
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(c.rand, tmpl, c.attRoot, c.attKey.Public(), rootKey)
	if err != nil {
		panic(err)
	}
	c.attCert, _ = x509.ParseCertificate(der)
	c.objects[0x5fff01] = certObject(der)
}

// certObject is the content PIV stores for a certificate: 70 cert, 71
// compression info (none), FE LRC.
func certObject(der []byte) []byte {
	return append(append(encodeTLV(0x70, der), encodeTLV(0x71, []byte{0})...), encodeTLV(0xfe)...)
}

// AttestationRoot is the fake CA the attestation certificates chain to.
func (c *Card) AttestationRoot() *x509.Certificate { return c.attRoot }

// Version is the card's firmware version.
func (c *Card) Version() [3]byte { return c.opts.Version }

// Serial is the card's serial number.
func (c *Card) Serial() uint32 { return c.opts.Serial }

// ATR is the card's answer to reset.
func (c *Card) ATR() []byte {
	if c.opts.Version[0] >= 5 {
		return atrYubiKey5
	}
	return atrYubiKey4
}

// SetTouch replaces the touch function (see Options.Touch).
func (c *Card) SetTouch(f func(slot byte) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opts.Touch = f
}

// Commands returns a copy of every command the card has received.
func (c *Card) Commands() []Command {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Command, len(c.log))
	for i, cmd := range c.log {
		out[i] = cmd
		out[i].Data = bytes.Clone(cmd.Data)
	}
	return out
}

// Verifies returns the PIN VERIFY commands that carried a PIN (not the
// empty VERIFY that asks for the retry counter), in order, as the PINs
// sent without their padding.
func (c *Card) Verifies() [][]byte {
	var out [][]byte
	for _, cmd := range c.Commands() {
		if cmd.INS == insVerify && cmd.P2 == refPIN && len(cmd.Data) > 0 {
			out = append(out, unpad(cmd.Data))
		}
	}
	return out
}

// FactoryPINVerifies counts VERIFY commands that carried the factory PIN.
func (c *Card) FactoryPINVerifies() int {
	n := 0
	for _, p := range c.Verifies() {
		if bytes.Equal(p, FactoryPIN) {
			n++
		}
	}
	return n
}

// ResetLog forgets the commands seen so far.
func (c *Card) ResetLog() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = nil
}

// State is what a test may want to check without going through PC/SC.
type State struct {
	PINRetries, PUKRetries int
	PINDefault, PUKDefault bool
	MgmtDefault            bool
	MgmtAlgorithm          byte
	ManagementKey          []byte
	// Slots maps a slot to whether its key was generated on the card.
	Slots map[byte]bool
	// Objects maps data object tags to their content.
	Objects map[uint32][]byte
}

// State returns a snapshot of the card's state.
func (c *Card) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := State{
		PINRetries: c.pinLeft, PUKRetries: c.pukLeft,
		PINDefault: c.pinDefault, PUKDefault: c.pukDefault,
		MgmtDefault: c.mgmDefault, MgmtAlgorithm: c.mgmAlg, ManagementKey: bytes.Clone(c.mgmKey),
		Slots: map[byte]bool{}, Objects: map[uint32][]byte{},
	}
	for k, v := range c.slots {
		s.Slots[k] = v.generated
	}
	for k, v := range c.objects {
		s.Objects[k] = bytes.Clone(v)
	}
	return s
}

// PIN returns the card's current PIN (for tests that must unblock or
// check a generated one).
func (c *Card) PIN() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return unpad(c.pin)
}

// PUK returns the card's current PUK.
func (c *Card) PUK() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return unpad(c.puk)
}

// Reset acts out a power cycle: the session state is lost.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetSession()
}

func (c *Card) atLeast(major, minor, patch byte) bool {
	v := c.opts.Version
	if v[0] != major {
		return v[0] > major
	}
	if v[1] != minor {
		return v[1] > minor
	}
	return v[2] >= patch
}

func pad8(b []byte) []byte {
	out := bytes.Repeat([]byte{0xff}, 8)
	copy(out, b)
	return out
}

func unpad(b []byte) []byte {
	if i := bytes.IndexByte(b, 0xff); i >= 0 {
		b = b[:i]
	}
	return bytes.Clone(b)
}

// apdu is a parsed command.
type apdu struct {
	cla, ins, p1, p2 byte
	data             []byte
	le               int // 0 when absent; 256 or 65536 for "as much as there is"
	extended         bool
}

func parseAPDU(b []byte) (apdu, bool) {
	if len(b) < 4 {
		return apdu{}, false
	}
	a := apdu{cla: b[0], ins: b[1], p1: b[2], p2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0:
	case len(body) == 1: // case 2 short
		a.le = int(body[0])
		if a.le == 0 {
			a.le = 256
		}
	case body[0] == 0 && len(body) >= 3: // extended
		a.extended = true
		n := int(body[1])<<8 | int(body[2])
		rest := body[3:]
		if len(rest) == 0 { // case 2 extended
			a.le = n
			if a.le == 0 {
				a.le = 65536
			}
			break
		}
		if len(rest) < n {
			return apdu{}, false
		}
		a.data = rest[:n]
		if tail := rest[n:]; len(tail) == 2 {
			a.le = int(tail[0])<<8 | int(tail[1])
			if a.le == 0 {
				a.le = 65536
			}
		} else if len(tail) != 0 {
			return apdu{}, false
		}
	default: // case 3 or 4 short
		n := int(body[0])
		rest := body[1:]
		if len(rest) < n {
			return apdu{}, false
		}
		a.data = rest[:n]
		switch tail := rest[n:]; len(tail) {
		case 0:
		case 1:
			a.le = int(tail[0])
			if a.le == 0 {
				a.le = 256
			}
		default:
			return apdu{}, false
		}
	}
	return a, true
}

func sw(code int) []byte { return []byte{byte(code >> 8), byte(code)} }

// Transmit processes one command APDU and returns the response APDU (data
// and status word).
func (c *Card) Transmit(raw []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	cmd, ok := parseAPDU(raw)
	if !ok {
		return sw(swWrongLength)
	}
	c.log = append(c.log, Command{CLA: cmd.cla, INS: cmd.ins, P1: cmd.p1, P2: cmd.p2, Data: bytes.Clone(cmd.data)})
	if cmd.cla&^0x10 != 0 {
		return sw(swClaNotSupported)
	}
	if cmd.ins == insGetResponse {
		if !c.pendingValid {
			return sw(swConditions)
		}
		return c.chunk(c.pending, cmd)
	}
	c.pending, c.pendingValid = nil, false
	if cmd.cla&0x10 != 0 { // command chaining: more to come
		if len(c.chain) > 0 && c.chainINS != cmd.ins {
			c.chain = nil
		}
		c.chain = append(c.chain, cmd.data...)
		c.chainINS = cmd.ins
		return sw(swOK)
	}
	if len(c.chain) > 0 {
		if c.chainINS == cmd.ins {
			cmd.data = append(c.chain, cmd.data...)
		}
		c.chain = nil
	}
	data, status := c.dispatch(cmd)
	if !(cmd.ins == insVerify && status == swOK && len(cmd.data) > 0) {
		// PIN policy "always": the key operation must directly follow
		// a successful VERIFY.
		c.pinJustNow = false
	}
	if status != swOK {
		return sw(status)
	}
	return c.chunk(data, cmd)
}

// chunk returns as much of data as the command allows, with 61xx when more
// remains for GET RESPONSE.
func (c *Card) chunk(data []byte, cmd apdu) []byte {
	max := 256
	if cmd.extended {
		max = 65536
	}
	if len(data) <= max {
		c.pending, c.pendingValid = nil, false
		return append(bytes.Clone(data), 0x90, 0x00)
	}
	out := append(bytes.Clone(data[:max]), 0x61, 0)
	rest := len(data) - max
	if rest < 256 {
		out[len(out)-1] = byte(rest)
	}
	c.pending, c.pendingValid = data[max:], true
	return out
}

func (c *Card) dispatch(cmd apdu) ([]byte, int) {
	if cmd.ins == insSelect {
		return c.selectApp(cmd)
	}
	switch {
	case bytes.Equal(c.selected, aidOTP):
		if cmd.ins == insOTPAPI && cmd.p1 == 0x10 {
			return binary.BigEndian.AppendUint32(nil, c.opts.Serial), swOK
		}
		return nil, swInsNotSupported
	case bytes.Equal(c.selected, aidMgmt):
		if cmd.ins == insReadConfig {
			return c.deviceInfo(), swOK
		}
		return nil, swInsNotSupported
	case !bytes.Equal(c.selected, aidPIV):
		return nil, swInsNotSupported
	}
	switch cmd.ins {
	case insGetVersion:
		v := c.opts.Version
		return v[:], swOK
	case insGetSerial:
		if c.opts.Version[0] < 5 {
			return nil, swInsNotSupported
		}
		return binary.BigEndian.AppendUint32(nil, c.opts.Serial), swOK
	case insVerify:
		return c.verify(cmd)
	case insChangeRef:
		return c.changeReference(cmd)
	case insResetRetry:
		return c.resetRetry(cmd)
	case insAuthenticate:
		return c.authenticate(cmd)
	case insGenerate:
		return c.generate(cmd)
	case insImportKey:
		return c.importKey(cmd)
	case insGetData:
		return c.getData(cmd)
	case insPutData:
		return c.putData(cmd)
	case insSetMgmKey:
		return c.setManagementKey(cmd)
	case insSetRetries:
		return c.setRetries(cmd)
	case insReset:
		return c.reset()
	case insAttest:
		return c.attest(cmd)
	case insGetMetadata:
		return c.metadata(cmd)
	}
	return nil, swInsNotSupported
}

func (c *Card) selectApp(cmd apdu) ([]byte, int) {
	if cmd.p1 != 0x04 {
		return nil, swIncorrectP1P2
	}
	// Every SELECT, even of the applet already selected, clears the PIN
	// and management key state, as on hardware.
	c.resetSession()
	switch {
	case bytes.HasPrefix(cmd.data, aidPIV):
		c.selected = aidPIV
		// Application property template: the PIV AID and its version.
		return encodeTLV(0x61,
			encodeTLV(0x4f, []byte{0x00, 0x00, 0x10, 0x00, 0x01, 0x00}),
			encodeTLV(0x79, encodeTLV(0x4f, aidPIV))), swOK
	case bytes.HasPrefix(cmd.data, aidOTP):
		c.selected = aidOTP
		v := c.opts.Version
		return []byte{v[0], v[1], v[2], 0x01, 0x00, 0x00}, swOK
	case bytes.Equal(cmd.data, aidMgmt):
		c.selected = aidMgmt
		v := c.opts.Version
		return fmt.Appendf(nil, "%d.%d.%d", v[0], v[1], v[2]), swOK
	}
	return nil, swNotFound
}

// deviceInfo is a minimal management-applet device info: serial, version
// and (5.x) form factor.
func (c *Card) deviceInfo() []byte {
	v := c.opts.Version
	body := append(encodeTLV(0x02, binary.BigEndian.AppendUint32(nil, c.opts.Serial)), encodeTLV(0x05, v[:])...)
	if v[0] >= 5 {
		body = append(body, encodeTLV(0x04, []byte{0x01})...)
	}
	return append([]byte{byte(len(body))}, body...)
}

func (c *Card) verify(cmd apdu) ([]byte, int) {
	if cmd.p2 != refPIN {
		return nil, swRefNotFound
	}
	if cmd.p1 == 0xff { // reset the verification status
		c.pinVerified = false
		return nil, swOK
	}
	if len(cmd.data) == 0 {
		switch {
		case c.pinLeft == 0:
			return nil, swBlocked
		case c.pinVerified:
			return nil, swOK
		}
		return nil, 0x63c0 | min(c.pinLeft, 15)
	}
	if len(cmd.data) != 8 {
		return nil, swIncorrectData
	}
	if c.pinLeft == 0 {
		return nil, swBlocked
	}
	if !bytes.Equal(cmd.data, c.pin) {
		c.pinLeft--
		c.pinVerified = false
		return nil, 0x63c0 | min(c.pinLeft, 15)
	}
	c.pinLeft = c.pinTotal
	c.pinVerified, c.pinJustNow = true, true
	return nil, swOK
}

// validNewPIN checks a new PIN or PUK: 6 to 8 bytes, padded with 0xff.
func validNewPIN(b []byte) bool {
	n := len(unpad(b))
	if n < 6 || n > 8 {
		return false
	}
	for _, x := range b[n:] {
		if x != 0xff {
			return false
		}
	}
	return true
}

func (c *Card) changeReference(cmd apdu) ([]byte, int) {
	if len(cmd.data) != 16 {
		return nil, swIncorrectData
	}
	old, neu := cmd.data[:8], cmd.data[8:]
	var cur *[]byte
	var left *int
	var total int
	var isDefault *bool
	switch cmd.p2 {
	case refPIN:
		cur, left, total, isDefault = &c.pin, &c.pinLeft, c.pinTotal, &c.pinDefault
	case refPUK:
		cur, left, total, isDefault = &c.puk, &c.pukLeft, c.pukTotal, &c.pukDefault
	default:
		return nil, swRefNotFound
	}
	if *left == 0 {
		return nil, swBlocked
	}
	if !bytes.Equal(old, *cur) {
		*left--
		if cmd.p2 == refPIN {
			c.pinVerified = false
		}
		return nil, 0x63c0 | min(*left, 15)
	}
	if !validNewPIN(neu) {
		return nil, swIncorrectData
	}
	*cur = bytes.Clone(neu)
	*left = total
	*isDefault = false
	return nil, swOK
}

func (c *Card) resetRetry(cmd apdu) ([]byte, int) {
	if cmd.p2 != refPIN {
		return nil, swRefNotFound
	}
	if len(cmd.data) != 16 {
		return nil, swIncorrectData
	}
	if c.pukLeft == 0 {
		return nil, swBlocked
	}
	if !bytes.Equal(cmd.data[:8], c.puk) {
		c.pukLeft--
		return nil, 0x63c0 | min(c.pukLeft, 15)
	}
	if !validNewPIN(cmd.data[8:]) {
		return nil, swIncorrectData
	}
	c.pin = bytes.Clone(cmd.data[8:])
	c.pinLeft, c.pukLeft = c.pinTotal, c.pukTotal
	c.pinDefault = false
	return nil, swOK
}

// mgmCipher is the management key's block cipher.
func (c *Card) mgmCipher() cipher.Block {
	var b cipher.Block
	var err error
	if c.mgmAlg == Alg3DES {
		b, err = des.NewTripleDESCipher(c.mgmKey)
	} else {
		b, err = aes.NewCipher(c.mgmKey)
	}
	if err != nil {
		panic(err)
	}
	return b
}

func (c *Card) random(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(c.rand, b); err != nil {
		panic(err)
	}
	return b
}

// touched asks for a touch, with the card's lock released while the person
// is (or is not) touching.
func (c *Card) touched(slot byte, cached bool) bool {
	if cached && !c.lastTouch.IsZero() && time.Since(c.lastTouch) < touchCached {
		return true
	}
	f := c.opts.Touch
	ok := true
	if f != nil {
		c.mu.Unlock()
		ok = f(slot)
		c.mu.Lock()
	}
	if ok {
		c.lastTouch = time.Now()
	}
	return ok
}

func (c *Card) authenticate(cmd apdu) ([]byte, int) {
	outer, err := parseTLVs(cmd.data)
	if err != nil || len(outer) != 1 || outer[0].tag != 0x7c {
		return nil, swIncorrectData
	}
	inner, err := parseTLVs(outer[0].value)
	if err != nil {
		return nil, swIncorrectData
	}
	if cmd.p2 == refMgmt {
		return c.authenticateManagement(cmd.p1, inner)
	}
	return c.useKey(cmd.p1, cmd.p2, inner)
}

// authenticateManagement runs the management key's mutual (witness, then
// challenge) or external (challenge, then response) authentication. A
// failed attempt costs nothing: the management key has no retry counter.
func (c *Card) authenticateManagement(alg byte, inner []tlv) ([]byte, int) {
	if alg != c.mgmAlg {
		return nil, swIncorrectP1P2 // best guess
	}
	block := c.mgmCipher()
	bs := block.BlockSize()
	witness, hasW := find(inner, 0x80)
	challenge, hasC := find(inner, 0x81)
	response, hasR := find(inner, 0x82)
	switch {
	case hasW && len(witness) == 0 && !hasC: // step 1 of mutual: send the encrypted witness
		c.witness = c.random(bs)
		enc := make([]byte, bs)
		block.Encrypt(enc, c.witness)
		c.mgmAuthed = false
		return encodeTLV(0x7c, encodeTLV(0x80, enc)), swOK
	case hasW && hasC && len(challenge) == bs: // step 2 of mutual
		ok := c.witness != nil && bytes.Equal(witness, c.witness)
		c.witness = nil
		if !ok {
			return nil, swSecurity
		}
		if c.mgmTouch && !c.touched(refMgmt, false) {
			return nil, swSecurity
		}
		enc := make([]byte, bs)
		block.Encrypt(enc, challenge)
		c.mgmAuthed = true
		return encodeTLV(0x7c, encodeTLV(0x82, enc)), swOK
	case hasC && len(challenge) == 0 && !hasW: // step 1 of external: a challenge in the clear
		c.challenge = c.random(bs)
		c.mgmAuthed = false
		return encodeTLV(0x7c, encodeTLV(0x81, c.challenge)), swOK
	case hasR && len(response) == bs && c.challenge != nil: // step 2 of external
		want := make([]byte, bs)
		block.Encrypt(want, c.challenge)
		c.challenge = nil
		if !bytes.Equal(want, response) {
			return nil, swSecurity
		}
		if c.mgmTouch && !c.touched(refMgmt, false) {
			return nil, swSecurity
		}
		c.mgmAuthed = true
		return nil, swOK
	}
	return nil, swIncorrectData
}

// useKey signs, decrypts or agrees a key with the key in a slot.
func (c *Card) useKey(alg, slot byte, inner []tlv) ([]byte, int) {
	k := c.slots[slot]
	if k == nil {
		return nil, swRefNotFound // best guess
	}
	if k.alg != alg {
		return nil, swIncorrectP1P2 // best guess
	}
	switch k.pinPolicy {
	case PINOnce:
		if !c.pinVerified {
			return nil, swSecurity
		}
	case PINAlways:
		if !c.pinVerified || !c.pinJustNow {
			return nil, swSecurity
		}
	}
	switch k.touchPolicy {
	case TouchAlways, TouchCached:
		if !c.touched(slot, k.touchPolicy == TouchCached) {
			return nil, swSecurity // a touch timeout reads as 6982
		}
	}
	if msg, ok := find(inner, 0x81); ok {
		out, err := c.sign(k, msg)
		if err != nil {
			return nil, swIncorrectData
		}
		return encodeTLV(0x7c, encodeTLV(0x82, out)), swOK
	}
	if peer, ok := find(inner, 0x85); ok {
		ec, isEC := k.priv.(*ecdsa.PrivateKey)
		if !isEC {
			return nil, swIncorrectData
		}
		priv, err := ec.ECDH()
		if err != nil {
			return nil, swIncorrectData
		}
		pub, err := priv.Curve().NewPublicKey(peer)
		if err != nil {
			return nil, swIncorrectData
		}
		secret, err := priv.ECDH(pub)
		if err != nil {
			return nil, swIncorrectData
		}
		return encodeTLV(0x7c, encodeTLV(0x82, secret)), swOK
	}
	return nil, swIncorrectData
}

func (c *Card) sign(k *keySlot, msg []byte) ([]byte, error) {
	switch priv := k.priv.(type) {
	case *ecdsa.PrivateKey:
		return ecdsa.SignASN1(c.rand, priv, msg)
	case *rsa.PrivateKey:
		// Raw RSA: the host pads.
		if len(msg) != priv.Size() {
			return nil, fmt.Errorf("RSA input of %d bytes", len(msg))
		}
		m := new(big.Int).SetBytes(msg)
		if m.Cmp(priv.N) >= 0 {
			return nil, fmt.Errorf("RSA input too large")
		}
		out := new(big.Int).Exp(m, priv.D, priv.N).FillBytes(make([]byte, priv.Size()))
		return out, nil
	}
	return nil, fmt.Errorf("unsupported key")
}

func isKeySlot(slot byte) bool {
	switch {
	case slot == 0x9a, slot == 0x9c, slot == 0x9d, slot == 0x9e, slot == slotAttest:
		return true
	case slot >= 0x82 && slot <= 0x95:
		return true
	}
	return false
}

// defaultPolicies are a slot's policies when the command leaves them to
// the card.
func defaultPolicies(slot, pp, tp byte) (byte, byte) {
	if pp == PolicyDefault {
		switch slot {
		case 0x9c:
			pp = PINAlways
		case 0x9e, slotAttest:
			pp = PINNever
		default:
			pp = PINOnce
		}
	}
	if tp == PolicyDefault {
		tp = TouchNever
	}
	return pp, tp
}

func (c *Card) algSupported(alg byte) bool {
	switch alg {
	case AlgECCP256, AlgECCP384, AlgRSA1024, AlgRSA2048:
		return true
	}
	return false
}

func validPolicies(pp, tp byte) bool {
	return pp <= PINAlways && tp <= TouchCached
}

func (c *Card) generate(cmd apdu) ([]byte, int) {
	if !c.mgmAuthed {
		return nil, swSecurity
	}
	slot := cmd.p2
	if !isKeySlot(slot) {
		return nil, swRefNotFound
	}
	outer, err := parseTLVs(cmd.data)
	if err != nil || len(outer) != 1 || outer[0].tag != 0xac {
		return nil, swIncorrectData
	}
	inner, err := parseTLVs(outer[0].value)
	if err != nil {
		return nil, swIncorrectData
	}
	algB, ok := find(inner, 0x80)
	if !ok || len(algB) != 1 || !c.algSupported(algB[0]) {
		return nil, swIncorrectData
	}
	pp, tp := policyBytes(inner)
	if !validPolicies(pp, tp) {
		return nil, swIncorrectData
	}
	pp, tp = defaultPolicies(slot, pp, tp)
	var priv crypto.Signer
	switch algB[0] {
	case AlgECCP256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), c.rand)
	case AlgECCP384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), c.rand)
	case AlgRSA1024:
		priv, err = rsa.GenerateKey(c.rand, 1024)
	case AlgRSA2048:
		priv, err = rsa.GenerateKey(c.rand, 2048)
	}
	if err != nil {
		return nil, swIncorrectData
	}
	c.slots[slot] = &keySlot{alg: algB[0], priv: priv, pinPolicy: pp, touchPolicy: tp, generated: true}
	return encodeTLV(0x7f49, publicTLVs(priv.Public())), swOK
}

func policyBytes(inner []tlv) (pp, tp byte) {
	if v, ok := find(inner, 0xaa); ok && len(v) == 1 {
		pp = v[0]
	}
	if v, ok := find(inner, 0xab); ok && len(v) == 1 {
		tp = v[0]
	}
	return pp, tp
}

// publicTLVs encodes a public key as GENERATE and GET METADATA return it.
func publicTLVs(pub crypto.PublicKey) []byte {
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		ep, err := p.ECDH()
		if err != nil {
			panic(err)
		}
		return encodeTLV(0x86, ep.Bytes())
	case *rsa.PublicKey:
		return append(encodeTLV(0x81, p.N.Bytes()), encodeTLV(0x82, big.NewInt(int64(p.E)).Bytes())...)
	}
	panic(fmt.Sprintf("pivemu: public key %T", pub))
}

func (c *Card) importKey(cmd apdu) ([]byte, int) {
	if !c.mgmAuthed {
		return nil, swSecurity
	}
	alg, slot := cmd.p1, cmd.p2
	if !isKeySlot(slot) {
		return nil, swRefNotFound
	}
	if !c.algSupported(alg) {
		return nil, swIncorrectP1P2
	}
	elems, err := parseTLVs(cmd.data)
	if err != nil {
		return nil, swIncorrectData
	}
	pp, tp := policyBytes(elems)
	if !validPolicies(pp, tp) {
		return nil, swIncorrectData
	}
	pp, tp = defaultPolicies(slot, pp, tp)
	var priv crypto.Signer
	switch alg {
	case AlgECCP256, AlgECCP384:
		curve, size := elliptic.P256(), 32
		if alg == AlgECCP384 {
			curve, size = elliptic.P384(), 48
		}
		scalar, ok := find(elems, 0x06)
		if !ok || len(scalar) != size {
			return nil, swIncorrectData
		}
		k, err := ecdsa.ParseRawPrivateKey(curve, scalar)
		if err != nil {
			return nil, swIncorrectData
		}
		priv = k
	default:
		p, ok1 := find(elems, 0x01)
		q, ok2 := find(elems, 0x02)
		if !ok1 || !ok2 {
			return nil, swIncorrectData
		}
		k, err := rsaFromPrimes(new(big.Int).SetBytes(p), new(big.Int).SetBytes(q))
		if err != nil {
			return nil, swIncorrectData
		}
		priv = k
	}
	c.slots[slot] = &keySlot{alg: alg, priv: priv, pinPolicy: pp, touchPolicy: tp}
	return nil, swOK
}

func rsaFromPrimes(p, q *big.Int) (*rsa.PrivateKey, error) {
	one := big.NewInt(1)
	n := new(big.Int).Mul(p, q)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	e := big.NewInt(65537)
	d := new(big.Int).ModInverse(e, phi)
	if d == nil {
		return nil, fmt.Errorf("no inverse")
	}
	k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 65537}, D: d, Primes: []*big.Int{p, q}}
	k.Precompute()
	return k, k.Validate()
}

// objectTag reads the tag list of GET DATA and PUT DATA.
func objectTag(b []byte) (tag uint32, rest []byte, ok bool) {
	t, v, rest, err := parseTLV(b)
	if err != nil || t != 0x5c || len(v) < 1 || len(v) > 3 {
		return 0, nil, false
	}
	for _, x := range v {
		tag = tag<<8 | uint32(x)
	}
	return tag, rest, true
}

// pinProtected objects can be read only after VERIFY.
func pinProtected(tag uint32) bool {
	switch tag {
	case 0x5fc103, 0x5fc108, 0x5fc109, 0x5fc121:
		return true
	}
	return false
}

func (c *Card) getData(cmd apdu) ([]byte, int) {
	if cmd.p1 != 0x3f || cmd.p2 != 0xff {
		return nil, swIncorrectP1P2
	}
	tag, _, ok := objectTag(cmd.data)
	if !ok {
		return nil, swIncorrectData
	}
	if tag == 0x7e { // discovery object
		return encodeTLV(0x7e,
			encodeTLV(0x4f, []byte{0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00}),
			encodeTLV(0x5f2f, []byte{0x40, 0x00})), swOK
	}
	if pinProtected(tag) && !c.pinVerified {
		return nil, swSecurity
	}
	v, ok := c.objects[tag]
	if !ok {
		return nil, swNotFound
	}
	return encodeTLV(0x53, v), swOK
}

func (c *Card) putData(cmd apdu) ([]byte, int) {
	if cmd.p1 != 0x3f || cmd.p2 != 0xff {
		return nil, swIncorrectP1P2
	}
	if !c.mgmAuthed {
		return nil, swSecurity
	}
	tag, rest, ok := objectTag(cmd.data)
	if !ok {
		return nil, swIncorrectData
	}
	t, v, tail, err := parseTLV(rest)
	if err != nil || t != 0x53 || len(tail) != 0 {
		return nil, swIncorrectData
	}
	if tag < 0x5fc101 || tag > 0x5fffff {
		return nil, swIncorrectData
	}
	if len(v) == 0 {
		delete(c.objects, tag)
	} else {
		c.objects[tag] = bytes.Clone(v)
	}
	return nil, swOK
}

func (c *Card) setManagementKey(cmd apdu) ([]byte, int) {
	if !c.mgmAuthed {
		return nil, swSecurity
	}
	if cmd.p1 != 0xff || (cmd.p2 != 0xff && cmd.p2 != 0xfe) {
		return nil, swIncorrectP1P2
	}
	d := cmd.data
	if len(d) < 3 || d[1] != refMgmt || int(d[2]) != len(d)-3 {
		return nil, swIncorrectData
	}
	alg, key := d[0], d[3:]
	want := map[byte]int{Alg3DES: 24, AlgAES128: 16, AlgAES192: 24, AlgAES256: 32}[alg]
	if want == 0 || len(key) != want {
		return nil, swIncorrectData
	}
	if alg != Alg3DES && !c.atLeast(5, 4, 0) {
		return nil, swIncorrectData // a YubiKey 4 has 3DES management keys only
	}
	c.mgmAlg, c.mgmKey, c.mgmTouch = alg, bytes.Clone(key), cmd.p2 == 0xfe
	c.mgmDefault = alg == Alg3DES && bytes.Equal(key, FactoryManagementKey)
	return nil, swOK
}

func (c *Card) setRetries(cmd apdu) ([]byte, int) {
	if !c.mgmAuthed || !c.pinVerified {
		return nil, swSecurity
	}
	if cmd.p1 == 0 || cmd.p2 == 0 {
		return nil, swIncorrectP1P2
	}
	c.pinTotal, c.pukTotal = int(cmd.p1), int(cmd.p2)
	c.pinLeft, c.pukLeft = c.pinTotal, c.pukTotal
	c.pin, c.puk = pad8(FactoryPIN), pad8(FactoryPUK)
	c.pinDefault, c.pukDefault = true, true
	return nil, swOK
}

func (c *Card) reset() ([]byte, int) {
	if c.pinLeft != 0 || c.pukLeft != 0 {
		return nil, swConditions
	}
	c.factoryReset()
	c.selected = aidPIV
	return nil, swOK
}

// Attestation extensions (Yubico's OID arc 1.3.6.1.4.1.41482.3).
var (
	oidFirmware   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 3}
	oidSerial     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 7}
	oidPolicy     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 8}
	oidFormFactor = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 9}
)

func (c *Card) attest(cmd apdu) ([]byte, int) {
	if !c.atLeast(4, 3, 0) {
		return nil, swInsNotSupported
	}
	k := c.slots[cmd.p1]
	if k == nil || !k.generated {
		// An empty slot and an imported key both give 6A80: the YubiKey
		// attests only keys it generated (imported: best guess).
		return nil, swIncorrectData
	}
	v := c.opts.Version
	exts := []pkix.Extension{
		{Id: oidFirmware, Value: v[:]},
		{Id: oidPolicy, Value: []byte{k.pinPolicy, k.touchPolicy}},
	}
	if v[0] >= 5 {
		// The serial and form factor are in attestations from 5.0 on
		// (Yubico .NET SDK, "PIV attestation statements").
		serial, _ := asn1.Marshal(int64(c.opts.Serial))
		exts = append(exts, pkix.Extension{Id: oidSerial, Value: serial}, pkix.Extension{Id: oidFormFactor, Value: []byte{0x01}})
	}
	tmpl := &x509.Certificate{
		SerialNumber:    new(big.Int).SetBytes(c.random(16)),
		Subject:         pkix.Name{CommonName: fmt.Sprintf("YubiKey PIV Attestation %02x", cmd.p1)},
		NotBefore:       c.attCert.NotBefore,
		NotAfter:        c.attCert.NotAfter,
		ExtraExtensions: exts,
	}
	der, err := x509.CreateCertificate(c.rand, tmpl, c.attCert, k.priv.Public(), c.attKey)
	if err != nil {
		return nil, swIncorrectData
	}
	return der, swOK
}

func (c *Card) metadata(cmd apdu) ([]byte, int) {
	if !c.atLeast(5, 3, 0) {
		return nil, swInsNotSupported
	}
	boolByte := func(b bool) []byte {
		if b {
			return []byte{1}
		}
		return []byte{0}
	}
	switch ref := cmd.p2; ref {
	case refPIN, refPUK:
		total, left, def := c.pinTotal, c.pinLeft, c.pinDefault
		if ref == refPUK {
			total, left, def = c.pukTotal, c.pukLeft, c.pukDefault
		}
		return append(append(append(
			encodeTLV(0x01, []byte{algPIN}),
			encodeTLV(0x02, []byte{0x00, 0x00})...),
			encodeTLV(0x05, boolByte(def))...),
			encodeTLV(0x06, []byte{byte(total), byte(left)})...), swOK
	case refMgmt:
		tp := byte(TouchNever)
		if c.mgmTouch {
			tp = TouchAlways
		}
		return append(append(
			encodeTLV(0x01, []byte{c.mgmAlg}),
			encodeTLV(0x02, []byte{0x00, tp})...),
			encodeTLV(0x05, boolByte(c.mgmDefault))...), swOK
	default:
		k := c.slots[ref]
		if k == nil {
			return nil, swRefNotFound
		}
		origin := byte(2)
		if k.generated {
			origin = 1
		}
		return append(append(append(
			encodeTLV(0x01, []byte{k.alg}),
			encodeTLV(0x02, []byte{k.pinPolicy, k.touchPolicy})...),
			encodeTLV(0x03, []byte{origin})...),
			encodeTLV(0x04, publicTLVs(k.priv.Public()))...), swOK
	}
}
