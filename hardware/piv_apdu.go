package hardware

// The APDUs trustvault sends itself, for what piv-go does not offer. They
// run on a connection of their own (piv-go keeps its connection exclusive),
// before piv-go opens the token or while it has it closed.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// rawCard sends one command APDU and returns the whole response APDU
// (data, SW1, SW2).
type rawCard interface {
	transmitRaw(cmd []byte) ([]byte, error)
}

// Status words.
const (
	swOK           = 0x9000
	swSecurity     = 0x6982
	swBlocked      = 0x6983
	swNotFound     = 0x6a82
	swRefNotFound  = 0x6a88
	swInsNotSupp   = 0x6d00
	swMoreDataMask = 0x6100
)

// swError is a status word the token answered that the caller did not
// expect.
type swError uint16

func (e swError) Error() string { return fmt.Sprintf("the token answered %04x", uint16(e)) }

var (
	aidPIV = []byte{0xa0, 0x00, 0x00, 0x03, 0x08}
	aidOTP = []byte{0xa0, 0x00, 0x00, 0x05, 0x27, 0x20, 0x01, 0x01}
)

// command builds a short APDU as piv-go does: with data and no Le, or
// without data and Le 00.
func command(ins, p1, p2 byte, data []byte) []byte {
	if len(data) == 0 {
		return []byte{0x00, ins, p1, p2, 0x00}
	}
	return append([]byte{0x00, ins, p1, p2, byte(len(data))}, data...)
}

// exchange sends cmd and collects a long answer with GET RESPONSE.
func exchange(c rawCard, cmd []byte) ([]byte, uint16, error) {
	var out []byte
	for {
		resp, err := c.transmitRaw(cmd)
		if err != nil {
			return nil, 0, err
		}
		if len(resp) < 2 {
			return nil, 0, fmt.Errorf("the token's answer is %d bytes long", len(resp))
		}
		sw := binary.BigEndian.Uint16(resp[len(resp)-2:])
		out = append(out, resp[:len(resp)-2]...)
		if sw&0xff00 != swMoreDataMask {
			return out, sw, nil
		}
		cmd = []byte{0x00, 0xc0, 0x00, 0x00, byte(sw)}
	}
}

// expectOK runs a command that must answer 9000.
func expectOK(c rawCard, cmd []byte) ([]byte, error) {
	data, sw, err := exchange(c, cmd)
	if err != nil {
		return nil, err
	}
	if sw != swOK {
		return nil, swError(sw)
	}
	return data, nil
}

// probe is what the raw path learns about a token without a PIN.
type probe struct {
	version Version
	serial  uint32
	admin   adminData
	// adminErr is set when the admin data could not be read or parsed.
	adminErr error
	// meta* are the GET METADATA answers (5.3+).
	pinMeta, pukMeta, mgmMeta metadata
	// mgmFactory is the management key check's result on tokens without
	// GET METADATA: StateFactory, StateChanged, or StateUnknown with
	// mgmErr.
	mgmFactory State
	mgmErr     error
}

// selectPIV selects the PIV application.
func selectPIV(c rawCard) error {
	if _, err := expectOK(c, command(0xa4, 0x04, 0x00, aidPIV)); err != nil {
		return fmt.Errorf("%w (select PIV: %v)", ErrNotPIV, err)
	}
	return nil
}

// runProbe reads what a token tells without a PIN. It sends no VERIFY with
// data, and tries no PIN or PUK.
func runProbe(c rawCard) (probe, error) {
	var p probe
	if err := selectPIV(c); err != nil {
		return p, err
	}
	v, err := expectOK(c, command(0xfd, 0, 0, nil))
	if err != nil || len(v) != 3 {
		return p, fmt.Errorf("%w (no YubiKey version: %v)", ErrNotPIV, err)
	}
	p.version = Version{int(v[0]), int(v[1]), int(v[2])}
	if p.serial, err = readSerial(c, p.version); err != nil {
		return p, err
	}
	p.admin, p.adminErr = readAdminData(c)
	if p.version.hasMetadata() {
		for ref, m := range map[byte]*metadata{0x80: &p.pinMeta, 0x81: &p.pukMeta, 0x9b: &p.mgmMeta} {
			data, err := expectOK(c, command(0xf7, 0x00, ref, nil))
			if err != nil {
				return p, fmt.Errorf("get metadata %02x: %w", ref, err)
			}
			if *m, err = parseMetadata(data); err != nil {
				return p, err
			}
		}
		return p, nil
	}
	switch err := authenticateManagementKey(c, alg3DES, factoryManagementKey); {
	case err == nil:
		p.mgmFactory = StateFactory
	case errors.Is(err, ErrWrongManagementKey):
		p.mgmFactory = StateChanged
	default:
		p.mgmFactory, p.mgmErr = StateUnknown, err
	}
	return p, nil
}

// readSerial reads the serial: GET SERIAL from 5.0, the OTP application
// before (and then selects PIV again, which clears its state).
func readSerial(c rawCard, v Version) (uint32, error) {
	var data []byte
	var err error
	if v.Major >= 5 {
		data, err = expectOK(c, command(0xf8, 0, 0, nil))
	} else {
		if _, err = expectOK(c, command(0xa4, 0x04, 0x00, aidOTP)); err == nil {
			data, err = expectOK(c, command(0x01, 0x10, 0x00, nil))
		}
		if err2 := selectPIV(c); err == nil {
			err = err2
		}
	}
	if err != nil {
		return 0, fmt.Errorf("read the serial number: %w", err)
	}
	if len(data) != 4 {
		return 0, fmt.Errorf("read the serial number: %d bytes", len(data))
	}
	return binary.BigEndian.Uint32(data), nil
}

// getObject reads a data object's content (inside its 53 wrapper); a
// missing object is (nil, nil).
func getObject(c rawCard, tag uint32) ([]byte, error) {
	data, sw, err := exchange(c, command(0xcb, 0x3f, 0xff, encodeTLV(0x5c, tagBytes(tag))))
	switch {
	case err != nil:
		return nil, err
	case sw == swNotFound:
		return nil, nil
	case sw != swOK:
		return nil, swError(sw)
	}
	elems, err := parseTLVs(data)
	if err != nil || len(elems) != 1 || elems[0].tag != 0x53 {
		return nil, fmt.Errorf("object %06x: malformed answer", tag)
	}
	return elems[0].value, nil
}

func tagBytes(tag uint32) []byte { return []byte{byte(tag >> 16), byte(tag >> 8), byte(tag)} }

// putObject writes a data object; the management key must be
// authenticated in this session.
func putObject(c rawCard, tag uint32, content []byte) error {
	body := append(encodeTLV(0x5c, tagBytes(tag)), encodeTLV(0x53, content)...)
	if len(body) > 255 {
		return fmt.Errorf("object %06x: %d bytes is more than this path sends", tag, len(body))
	}
	_, err := expectOK(c, command(0xdb, 0x3f, 0xff, body))
	return err
}

func readAdminData(c rawCard) (adminData, error) {
	content, err := getObject(c, adminDataObject)
	if err != nil {
		return adminData{}, err
	}
	return parseAdminData(content)
}

// mgmCipher returns the block cipher of a management key.
func mgmCipher(alg byte, key []byte) (cipher.Block, error) {
	switch alg {
	case alg3DES:
		return des.NewTripleDESCipher(key)
	case algAES128, algAES192, algAES256:
		return aes.NewCipher(key)
	}
	return nil, fmt.Errorf("unknown management key algorithm %#02x", alg)
}

// authenticateManagementKey runs the mutual authentication of the
// management key (GENERAL AUTHENTICATE, witness then challenge). A wrong
// key gives ErrWrongManagementKey and costs nothing: the management key has
// no retry counter.
func authenticateManagementKey(c rawCard, alg byte, key []byte) error {
	block, err := mgmCipher(alg, key)
	if err != nil {
		return err
	}
	bs := block.BlockSize()
	data, sw, err := exchange(c, command(0x87, alg, 0x9b, []byte{0x7c, 0x02, 0x80, 0x00}))
	if err != nil {
		return err
	}
	if sw != swOK {
		return fmt.Errorf("management key witness: %w", swError(sw))
	}
	if len(data) != 4+bs || !bytes.Equal(data[:4], []byte{0x7c, byte(bs + 2), 0x80, byte(bs)}) {
		return fmt.Errorf("management key witness: malformed answer %x", data)
	}
	witness := make([]byte, bs)
	block.Decrypt(witness, data[4:])
	challenge := make([]byte, bs)
	if _, err := io.ReadFull(rand.Reader, challenge); err != nil {
		return err
	}
	body := append([]byte{0x7c, byte(2 * (bs + 2)), 0x80, byte(bs)}, witness...)
	body = append(append(body, 0x81, byte(bs)), challenge...)
	data, sw, err = exchange(c, command(0x87, alg, 0x9b, body))
	switch {
	case err != nil:
		return err
	case sw == swSecurity:
		return ErrWrongManagementKey
	case sw != swOK:
		return fmt.Errorf("management key challenge: %w", swError(sw))
	}
	want := make([]byte, bs)
	block.Encrypt(want, challenge)
	if len(data) != 4+bs || !bytes.Equal(data[4:], want) {
		return errors.New("the token answered the management key challenge wrongly")
	}
	return nil
}

// writeAdminData authenticates with the management key and writes the
// admin data: the key is stored PIN-protected, and the PIN changed at
// pinChanged (unless zero). Other flags and elements are kept; a salt (the
// deprecated PIN-derived key) is dropped, as ykman does when it sets a new
// management key.
func writeAdminData(c rawCard, alg byte, key []byte, pinChanged time.Time) error {
	if err := authenticateManagementKey(c, alg, key); err != nil {
		return fmt.Errorf("authenticate with the new management key: %w", err)
	}
	a, err := readAdminData(c)
	if err != nil {
		a = adminData{} // unreadable: start afresh
	}
	a.flags |= adminFlagMgmStore
	a.salt = nil
	if !pinChanged.IsZero() {
		a.pinChanged = pinChanged
	}
	return putObject(c, adminDataObject, a.encode())
}

// credentials turns a probe (and the PIN retries piv-go read) into what
// TokenInfo reports.
func (p probe) credentials(pinRetries int) (pin, puk Credential, mgm ManagementKeyInfo) {
	pin = Credential{Retries: pinRetries, Total: -1}
	puk = Credential{Retries: -1, Total: -1}
	mgm = ManagementKeyInfo{Algorithm: "3DES", Stored: p.admin.flags&adminFlagMgmStore != 0}
	if p.version.hasMetadata() {
		const src = "the token says so (GET METADATA)"
		pin = credentialFromMeta(p.pinMeta, src)
		puk = credentialFromMeta(p.pukMeta, src)
		mgm.Algorithm = mgmAlgName(p.mgmMeta.alg)
		mgm.Touch = p.mgmMeta.touch
		mgm.State, mgm.Source = factoryState(p.mgmMeta.isDefault), src
		return pin, puk, mgm
	}
	const cannot = "a YubiKey 4 cannot say without a try, and trustvault never tries the factory PIN on its own"
	pin.State, pin.Source = StateUnknown, cannot
	if !p.admin.pinChanged.IsZero() {
		pin.State = StateChanged
		pin.Source = "the admin data on the token records a change on " + p.admin.pinChanged.Format(time.DateOnly)
	}
	puk.State, puk.Source = StateUnknown, strings.ReplaceAll(cannot, "factory PIN", "factory PUK")
	if p.admin.flags&adminFlagPUKBlock != 0 {
		puk.State, puk.Retries = StateChanged, 0
		puk.Source = "the admin data on the token records it as blocked"
	}
	mgm.State = p.mgmFactory
	switch p.mgmFactory {
	case StateFactory:
		mgm.Source = "the token accepted the factory key in a challenge (which costs no retry)"
	case StateChanged:
		mgm.Source = "the token refused the factory key in a challenge (which costs no retry)"
	default:
		mgm.Source = fmt.Sprintf("the check failed: %v", p.mgmErr)
	}
	return pin, puk, mgm
}

func credentialFromMeta(m metadata, src string) Credential {
	c := Credential{State: factoryState(m.isDefault), Source: src, Retries: -1, Total: -1}
	if m.hasRetries {
		c.Retries, c.Total = m.left, m.total
	}
	return c
}

func factoryState(isDefault bool) State {
	if isDefault {
		return StateFactory
	}
	return StateChanged
}
