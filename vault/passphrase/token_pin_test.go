package passphrase

import (
	"bytes"
	"math"
	mathrand "math/rand/v2"
	"testing"
)

func TestDigitMode(t *testing.T) {
	r := mathrand.NewChaCha8([32]byte{'p', 'i', 'n'})
	seen := map[byte]int{}
	for range 200 {
		p, err := GeneratePIN(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 8 {
			t.Fatalf("PIN %q", p)
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				t.Fatalf("PIN %q has a non-digit", p)
			}
			seen[c]++
		}
	}
	if len(seen) != 10 {
		t.Errorf("digits drawn: %v", seen)
	}
	if got := DefaultPINSpec().Entropy(); math.Abs(got-8*math.Log2(10)) > 1e-9 {
		t.Errorf("entropy %v", got)
	}
	for _, n := range []int{5, 9} {
		if err := (Spec{Mode: ModeDigits, Length: n}).Validate(); err == nil {
			t.Errorf("%d digits accepted", n)
		}
	}
	if m, err := ParseMode("digits"); err != nil || m != ModeDigits || m.String() != "digits" {
		t.Errorf("parse digits: %v %v", m, err)
	}
	a, _ := Generate(Spec{Mode: ModeDigits, Length: 6}, mathrand.NewChaCha8([32]byte{1}))
	b, _ := Generate(Spec{Mode: ModeDigits, Length: 6}, mathrand.NewChaCha8([32]byte{1}))
	if !bytes.Equal(a, b) || len(a) != 6 {
		t.Errorf("not deterministic from the reader: %q %q", a, b)
	}
}
