package hardware

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/trustvault/trustvault/hardware/internal/pivemu"
)

// cardConn talks to an emulated card directly, without PC/SC, so that the
// APDU path is tested in every build (CGO_ENABLED=0 included).
type cardConn struct{ c *pivemu.Card }

func (c cardConn) transmitRaw(cmd []byte) ([]byte, error) { return c.c.Transmit(cmd), nil }

func setManagementKey(t *testing.T, c rawCard, oldAlg byte, old []byte, alg byte, key []byte) {
	t.Helper()
	if err := selectPIV(c); err != nil {
		t.Fatal(err)
	}
	if err := authenticateManagementKey(c, oldAlg, old); err != nil {
		t.Fatal(err)
	}
	body := append([]byte{alg, 0x9b, byte(len(key))}, key...)
	if _, err := expectOK(c, command(0xff, 0xff, 0xff, body)); err != nil {
		t.Fatal(err)
	}
}

func TestProbe(t *testing.T) {
	random := bytes.Repeat([]byte{7}, 24)
	for _, tc := range []struct {
		name    string
		card    *pivemu.Card
		prepare func(t *testing.T, c rawCard)
		pin     State
		puk     State
		mgm     State
		alg     string
		pukLeft int
		stored  bool
	}{
		{name: "yubikey4 factory", card: pivemu.NewYubiKey4(1), pin: StateUnknown, puk: StateUnknown, mgm: StateFactory, alg: "3DES", pukLeft: -1},
		{name: "yubikey4 set up", card: pivemu.NewYubiKey4(2), prepare: func(t *testing.T, c rawCard) {
			setManagementKey(t, c, alg3DES, factoryManagementKey, alg3DES, random)
			if err := writeAdminData(c, alg3DES, random, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
		}, pin: StateChanged, puk: StateUnknown, mgm: StateChanged, alg: "3DES", pukLeft: -1, stored: true},
		{name: "yubikey5 factory", card: pivemu.NewYubiKey5(3), pin: StateFactory, puk: StateFactory, mgm: StateFactory, alg: "3DES", pukLeft: 3},
		{name: "yubikey5 AES key", card: pivemu.NewYubiKey5(4), prepare: func(t *testing.T, c rawCard) {
			setManagementKey(t, c, alg3DES, factoryManagementKey, algAES192, random)
		}, pin: StateFactory, puk: StateFactory, mgm: StateChanged, alg: "AES-192", pukLeft: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cardConn{tc.card}
			if tc.prepare != nil {
				tc.prepare(t, c)
			}
			tc.card.ResetLog()
			p, err := runProbe(c)
			if err != nil {
				t.Fatal(err)
			}
			if p.serial != tc.card.Serial() {
				t.Errorf("serial %d", p.serial)
			}
			pin, puk, mgm := p.credentials(3)
			if pin.State != tc.pin || puk.State != tc.puk || mgm.State != tc.mgm || mgm.Algorithm != tc.alg ||
				puk.Retries != tc.pukLeft || mgm.Stored != tc.stored {
				t.Errorf("PIN %+v\nPUK %+v\nmanagement key %+v", pin, puk, mgm)
			}
			if len(tc.card.Verifies()) != 0 {
				t.Errorf("the probe sent a PIN: %q", tc.card.Verifies())
			}
		})
	}
}

func TestAuthenticateManagementKeyCostsNothing(t *testing.T) {
	card := pivemu.NewYubiKey4(5)
	c := cardConn{card}
	setManagementKey(t, c, alg3DES, factoryManagementKey, alg3DES, bytes.Repeat([]byte{9}, 24))
	for range 20 {
		if err := authenticateManagementKey(c, alg3DES, factoryManagementKey); !errors.Is(err, ErrWrongManagementKey) {
			t.Fatalf("factory key on a changed token: %v", err)
		}
	}
	if err := authenticateManagementKey(c, alg3DES, bytes.Repeat([]byte{9}, 24)); err != nil {
		t.Errorf("the right key after 20 wrong ones: %v", err)
	}
	if s := card.State(); s.PINRetries != 3 || s.PUKRetries != 3 {
		t.Errorf("retries spent: %+v", s)
	}
}

func TestAdminDataRoundTrip(t *testing.T) {
	when := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	a := adminData{flags: adminFlagMgmStore | adminFlagPUKBlock, pinChanged: when, other: []tlv{{0x84, []byte{1, 2}}}}
	b, err := parseAdminData(a.encode())
	if err != nil || b.flags != a.flags || !b.pinChanged.Equal(when) || len(b.other) != 1 {
		t.Errorf("round trip: %+v, %v", b, err)
	}
	// As ykman writes it with a stored key: 80 03 81 01 02.
	c, err := parseAdminData([]byte{0x80, 0x03, 0x81, 0x01, 0x02})
	if err != nil || c.flags != adminFlagMgmStore {
		t.Errorf("ykman's admin data: %+v, %v", c, err)
	}
	for _, bad := range [][]byte{{0x80}, {0x81, 0x00}, {0x80, 0x05, 0x81}} {
		if _, err := parseAdminData(bad); err == nil {
			t.Errorf("%x parsed", bad)
		}
	}
}

// FuzzParseAdminData: whatever parses re-encodes to bytes that parse to
// the same value, and encoding that value again changes nothing.
func FuzzParseAdminData(f *testing.F) {
	f.Add([]byte{0x80, 0x03, 0x81, 0x01, 0x02})
	f.Add(adminData{flags: 3, pinChanged: time.Unix(1700000000, 0), salt: []byte{1, 2, 3}}.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseAdminData(b)
		if err != nil {
			return
		}
		enc := a.encode()
		a2, err := parseAdminData(enc)
		if err != nil {
			t.Fatalf("re-encoding %x as %x: %v", b, enc, err)
		}
		a.present = true // parse of no bytes at all is the absent object
		if !reflect.DeepEqual(normalAdmin(a), normalAdmin(a2)) {
			t.Errorf("%x parsed to %+v, its re-encoding %x to %+v", b, a, enc, a2)
		}
		if enc2 := a2.encode(); !bytes.Equal(enc, enc2) {
			t.Errorf("encoding is not stable: %x, then %x", enc, enc2)
		}
	})
}

// normalAdmin makes empty slices nil, which DeepEqual tells apart.
func normalAdmin(a adminData) adminData {
	if len(a.salt) == 0 && a.salt != nil {
		a.salt = []byte{}
	}
	for i, e := range a.other {
		if len(e.value) == 0 {
			a.other[i].value = nil
		}
	}
	return a
}

func TestAdminDataStrict(t *testing.T) {
	for _, bad := range [][]byte{
		// A four-byte tag (ff 80 81 30): encodeTLV writes three at most.
		{0x80, 0x0e, 0x30, 0x01, 0x30, 0x30, 0x03, 0x30, 0x30, 0x30, 0xff, 0x80, 0x81, 0x30, 0x01, 0x30},
		{0x80, 0x04, 0x81, 0x02, 0x01, 0x02},             // two bytes of flags
		{0x80, 0x05, 0x83, 0x03, 0x01, 0x02, 0x03},       // a short timestamp
		{0x80, 0x06, 0x81, 0x01, 0x01, 0x81, 0x01, 0x02}, // flags twice
		{0x80, 0x03, 0x81, 0x01, 0x02, 0x00},             // bytes after the object
	} {
		if a, err := parseAdminData(bad); err == nil {
			t.Errorf("%x parsed: %+v", bad, a)
		}
	}
	// Flags of zero are kept as they were read.
	a, err := parseAdminData([]byte{0x80, 0x03, 0x81, 0x01, 0x00})
	if err != nil || !bytes.Equal(a.encode(), []byte{0x80, 0x03, 0x81, 0x01, 0x00}) {
		t.Errorf("zero flags: %+v %x, %v", a, a.encode(), err)
	}
}

// FuzzParseMetadata: GET METADATA answers never panic; what parses has
// retry counters no larger than their total, and every element it knows
// was of its right length.
func FuzzParseMetadata(f *testing.F) {
	// As a YubiKey 5 answers for the PIN (factory, 3 of 3 left), the PUK
	// and an AES-192 management key.
	f.Add([]byte{0x01, 0x01, 0xff, 0x02, 0x02, 0x00, 0x00, 0x05, 0x01, 0x01, 0x06, 0x02, 0x03, 0x03})
	f.Add([]byte{0x01, 0x01, 0xff, 0x02, 0x02, 0x00, 0x00, 0x05, 0x01, 0x00, 0x06, 0x02, 0x03, 0x00})
	f.Add([]byte{0x01, 0x01, 0x0a, 0x02, 0x02, 0x00, 0x01, 0x05, 0x01, 0x01})
	f.Add([]byte{0x01, 0x01, 0x11, 0x02, 0x02, 0x02, 0x02, 0x03, 0x01, 0x01, 0x04, 0x04, 0x86, 0x02, 0x04, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMetadata(b)
		if err != nil {
			return
		}
		if m.hasRetries && (m.left > m.total || m.left < 0) {
			t.Errorf("%x: %d of %d retries left", b, m.left, m.total)
		}
		for _, e := range mustTLVs(t, b) {
			if want, ok := metadataLen[e.tag]; ok && len(e.value) != want {
				t.Errorf("%x: element %02x of %d bytes was accepted", b, e.tag, len(e.value))
			}
		}
		if m.touch && !m.hasPolicy {
			t.Errorf("%x: touch without a policy", b)
		}
		if c := credentialFromMeta(m, "fuzz"); c.Retries > c.Total {
			t.Errorf("%x: credential %+v", b, c)
		}
	})
}

func TestParseSlot(t *testing.T) {
	for in, want := range map[string]Slot{"9c": SlotSignature, "9A": SlotAuthentication, "0x82": 0x82, "95": 0x95} {
		if got, err := ParseSlot(in); err != nil || got != want {
			t.Errorf("ParseSlot(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"9b", "f9", "96", "", "zz"} {
		if _, err := ParseSlot(in); err == nil {
			t.Errorf("ParseSlot(%q) worked", in)
		}
	}
}

func mustTLVs(t *testing.T, b []byte) []tlv {
	t.Helper()
	elems, err := parseTLVs(b)
	if err != nil {
		t.Fatalf("parseMetadata accepted %x, which is not TLV: %v", b, err)
	}
	return elems
}

func TestParseMetadataStrict(t *testing.T) {
	for _, bad := range [][]byte{
		{0x06, 0x02, 0x01, 0x05},             // 5 of 1 retries left
		{0x01, 0x02, 0x0a, 0x0a},             // a two-byte algorithm
		{0x05, 0x01, 0x01, 0x05, 0x01, 0x00}, // default twice
		{0x02, 0x01, 0x01},                   // a policy of one byte
	} {
		if m, err := parseMetadata(bad); err == nil {
			t.Errorf("%x parsed: %+v", bad, m)
		}
	}
}
