package pivemu

import (
	"errors"
	"fmt"
)

// BER-TLV as PIV uses it: one- or two-byte tags (a first byte with the low
// five bits set means a second byte follows; the data object tags 5Fxxxx
// and 7F49 are the only multi-byte tags a PIV card sees) and definite
// lengths in the short form or 81/82 long forms.

// tlv is one parsed element.
type tlv struct {
	tag   uint32
	value []byte
}

var errTLV = errors.New("malformed TLV")

// parseTLVs splits b into its top-level elements.
func parseTLVs(b []byte) ([]tlv, error) {
	var out []tlv
	for len(b) > 0 {
		t, v, rest, err := parseTLV(b)
		if err != nil {
			return nil, err
		}
		out = append(out, tlv{t, v})
		b = rest
	}
	return out, nil
}

// parseTLV reads one element from the front of b.
func parseTLV(b []byte) (tag uint32, value, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, errTLV
	}
	tag = uint32(b[0])
	i := 1
	if b[0]&0x1f == 0x1f {
		for {
			if i >= len(b) {
				return 0, nil, nil, errTLV
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, nil, nil, errTLV
	}
	n := int(b[i])
	i++
	switch {
	case n < 0x80:
	case n == 0x81:
		if i >= len(b) {
			return 0, nil, nil, errTLV
		}
		n = int(b[i])
		i++
	case n == 0x82:
		if i+1 >= len(b) {
			return 0, nil, nil, errTLV
		}
		n = int(b[i])<<8 | int(b[i+1])
		i += 2
	default:
		return 0, nil, nil, errTLV
	}
	if len(b)-i < n {
		return 0, nil, nil, errTLV
	}
	return tag, b[i : i+n], b[i+n:], nil
}

// find returns the value of the first element with tag.
func find(elems []tlv, tag uint32) ([]byte, bool) {
	for _, e := range elems {
		if e.tag == tag {
			return e.value, true
		}
	}
	return nil, false
}

// encodeTLV encodes one element with the minimal length form, as DER
// parsers (piv-go uses encoding/asn1) require.
func encodeTLV(tag uint32, value ...[]byte) []byte {
	n := 0
	for _, v := range value {
		n += len(v)
	}
	var out []byte
	switch {
	case tag > 0xffff:
		out = append(out, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xff:
		out = append(out, byte(tag>>8), byte(tag))
	default:
		out = append(out, byte(tag))
	}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n <= 0xff:
		out = append(out, 0x81, byte(n))
	case n <= 0xffff:
		out = append(out, 0x82, byte(n>>8), byte(n))
	default:
		panic(fmt.Sprintf("pivemu: TLV value of %d bytes", n))
	}
	for _, v := range value {
		out = append(out, v...)
	}
	return out
}
