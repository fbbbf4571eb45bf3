package pivemu

import (
	"bytes"
	"crypto/des"
	"encoding/hex"
	"testing"
)

func apduHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func status(resp []byte) uint16 { return uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1]) }

// The behaviours piv-go and yubico-piv-tool rely on, APDU by APDU.
func TestCardAPDUs(t *testing.T) {
	for _, tc := range []struct {
		name string
		card *Card
		cmds []string // hex command APDUs
		want []uint16 // status words
	}{
		{"yubikey4 has no GET SERIAL nor GET METADATA", NewYubiKey4(1),
			[]string{"00a4040005a000000308", "00f8000000", "00f7008000", "00fd000000"},
			[]uint16{0x9000, 0x6d00, 0x6d00, 0x9000}},
		{"yubikey5 has both", NewYubiKey5(1),
			[]string{"00a4040005a000000308", "00f8000000", "00f7008000"},
			[]uint16{0x9000, 0x9000, 0x9000}},
		{"retries, a wrong PIN, the retries again", NewYubiKey4(1),
			[]string{"00a4040005a000000308", "0020008000", "00200080083132333435ffffffff", "0020008000"},
			[]uint16{0x9000, 0x63c3, 0x63c2, 0x63c2}},
		{"a verified PIN answers the empty VERIFY with 9000; SELECT forgets it", NewYubiKey4(1),
			[]string{"00a4040005a000000308", "0020008008313233343536ffff", "0020008000", "00a4040005a000000308", "0020008000"},
			[]uint16{0x9000, 0x9000, 0x9000, 0x9000, 0x63c3}},
		{"three wrong PINs block it, and the right one then too", NewYubiKey4(1),
			[]string{"00a4040005a000000308", "00200080083939393939ffffffff", "00200080083939393939ffffffff", "00200080083939393939ffffffff", "0020008008313233343536ffff", "0020008000"},
			[]uint16{0x9000, 0x63c2, 0x63c1, 0x63c0, 0x6983, 0x6983}},
		{"no PIV selected", NewYubiKey4(1), []string{"00fd000000"}, []uint16{0x6d00}},
		{"the OTP applet's serial", NewYubiKey4(0x01020304),
			[]string{"00a4040008a000000527200101", "0001100000"}, []uint16{0x9000, 0x9000}},
		{"writing needs the management key", NewYubiKey4(1),
			[]string{"00a4040005a000000308", "00db3fff0a5c035fff00530380010a"}, []uint16{0x9000, 0x6982}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i, c := range tc.cmds {
				if got := status(tc.card.Transmit(apduHex(t, c))); got != tc.want[i] {
					t.Fatalf("command %d %s: %04x, want %04x", i, c, got, tc.want[i])
				}
			}
		})
	}
}

// Command chaining in, 61xx and GET RESPONSE out, and extended APDUs.
func TestCardChaining(t *testing.T) {
	c := NewYubiKey5(7)
	c.Transmit(apduHex(t, "00a4040005a000000308"))
	// The attestation certificate is several hundred bytes: a short APDU
	// gets 256 and 61xx, GET RESPONSE the rest.
	resp := c.Transmit(apduHex(t, "00cb3fff055c035fff0100"))
	if status(resp)>>8 != 0x61 || len(resp) != 258 {
		t.Fatalf("first chunk: %d bytes, %04x", len(resp), status(resp))
	}
	whole := append([]byte(nil), resp[:256]...)
	for status(resp)>>8 == 0x61 {
		resp = c.Transmit([]byte{0x00, 0xc0, 0x00, 0x00, resp[len(resp)-1]})
		whole = append(whole, resp[:len(resp)-2]...)
	}
	ext := c.Transmit(apduHex(t, "00cb3fff0000055c035fff010000"))
	if status(ext) != 0x9000 || !bytes.Equal(ext[:len(ext)-2], whole) {
		t.Fatalf("extended APDU: %04x, %d bytes, want %d", status(ext), len(ext)-2, len(whole))
	}
	// A chained command: the parts count as one.
	c.Transmit(apduHex(t, "0020008008313233343536ffff"))
	if got := status(c.Transmit(apduHex(t, "1020008003313233"))); got != 0x9000 {
		t.Fatalf("first part: %04x", got)
	}
	if got := status(c.Transmit(apduHex(t, "0020008004343536ff"))); got != 0x6a80 {
		// 7 bytes of PIN data in all: not 8, so incorrect data
		t.Fatalf("chained VERIFY: %04x", got)
	}
	c.Transmit(apduHex(t, "102000800431323334"))
	if got := status(c.Transmit(apduHex(t, "00200080043536ffff"))); got != 0x9000 {
		t.Fatalf("chained VERIFY of the right PIN: %04x", got)
	}
}

// FuzzTransmit: whatever arrives, the card answers with a status word and
// does not panic.
func FuzzTransmit(f *testing.F) {
	for _, seed := range []string{"00a4040005a000000308", "0020008000", "00cb3fff055c035fff0100", "1020008003313233",
		"0047009a0bac09800111aa0103ab0101", "0087039b047c028000", "00cb3fff0000055c035fff010000", "00"} {
		b, _ := hex.DecodeString(seed)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, cmd []byte) {
		c := NewYubiKey4(1)
		c.Transmit([]byte{0x00, 0xa4, 0x04, 0x00, 0x05, 0xa0, 0x00, 0x00, 0x03, 0x08})
		if resp := c.Transmit(cmd); len(resp) < 2 {
			t.Fatalf("answer %x to %x", resp, cmd)
		}
	})
}

// authFactory runs the management key's mutual authentication with the
// factory key, as piv-go does.
func authFactory(t *testing.T, c *Card) {
	t.Helper()
	resp := c.Transmit(apduHex(t, "0087039b047c028000"))
	if status(resp) != 0x9000 || len(resp) != 14 {
		t.Fatalf("witness: %x", resp)
	}
	block, _ := des.NewTripleDESCipher(FactoryManagementKey)
	w := make([]byte, 8)
	block.Decrypt(w, resp[4:12])
	body := append([]byte{0x7c, 0x14, 0x80, 0x08}, w...)
	body = append(append(body, 0x81, 0x08), bytes.Repeat([]byte{1}, 8)...)
	if got := status(c.Transmit(append([]byte{0x00, 0x87, 0x03, 0x9b, byte(len(body))}, body...))); got != 0x9000 {
		t.Fatalf("challenge: %04x", got)
	}
}

// PIN policy "always": the signature must follow the VERIFY directly; the
// management key can be tried wrongly any number of times.
func TestCardPINAlwaysAndManagementKey(t *testing.T) {
	c := NewYubiKey4(7)
	c.Transmit(apduHex(t, "00a4040005a000000308"))
	for range 10 { // a wrong witness costs nothing
		c.Transmit(apduHex(t, "0087039b047c028000"))
		bad := append([]byte{0x00, 0x87, 0x03, 0x9b, 0x16, 0x7c, 0x14, 0x80, 0x08}, make([]byte, 8)...)
		bad = append(append(bad, 0x81, 0x08), make([]byte, 8)...)
		if got := status(c.Transmit(bad)); got != 0x6982 {
			t.Fatalf("wrong witness: %04x", got)
		}
	}
	authFactory(t, c)
	if got := status(c.Transmit(apduHex(t, "0047009a0bac09800111aa0103ab0101"))); got != 0x9000 {
		t.Fatalf("generate: %04x", got)
	}
	sign := append([]byte{0x00, 0x87, 0x11, 0x9a, 0x26, 0x7c, 0x24, 0x82, 0x00, 0x81, 0x20}, bytes.Repeat([]byte{7}, 32)...)
	verify := apduHex(t, "0020008008313233343536ffff")
	c.Transmit(verify)
	c.Transmit(apduHex(t, "0020008000")) // anything between: the VERIFY no longer counts
	if got := status(c.Transmit(sign)); got != 0x6982 {
		t.Fatalf("signature not right after VERIFY: %04x", got)
	}
	c.Transmit(verify)
	if got := status(c.Transmit(sign)); got != 0x9000 {
		t.Fatalf("signature right after VERIFY: %04x", got)
	}
	if s := c.State(); s.PINRetries != 3 || s.PUKRetries != 3 {
		t.Fatalf("retries spent: %+v", s)
	}
}
