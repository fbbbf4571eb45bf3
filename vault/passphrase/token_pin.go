package passphrase

import (
	"fmt"
	"io"
	"math/big"
)

// PINs and PUKs for tokens: the passphrase generator's digit mode. A token
// blocks its PIN after 3 wrong tries, so a short PIN of uniformly random
// digits is strong against guessing; its length is what a person can type
// on a PIN prompt.

// Limits of ModeDigits: PIV PINs and PUKs have 6 to 8 characters.
const (
	MinPINLength = 6
	MaxPINLength = 8
)

// DefaultPINSpec is 8 random digits (26.6 bits): a token's new PIN.
func DefaultPINSpec() Spec { return Spec{Mode: ModeDigits, Length: 8} }

// DefaultPUKSpec is 8 random digits: a token's new PUK.
func DefaultPUKSpec() Spec { return Spec{Mode: ModeDigits, Length: 8} }

func validateDigits(s Spec) error {
	if s.Length < MinPINLength || s.Length > MaxPINLength {
		return fmt.Errorf("%d digits: choose %d to %d", s.Length, MinPINLength, MaxPINLength)
	}
	return nil
}

// digitsSpace is 10^Length: every digit uniform and independent.
func digitsSpace(s Spec) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s.Length)), nil)
}

func generateDigits(s Spec, r io.Reader) ([]byte, error) {
	p := make([]byte, s.Length)
	for i := range p {
		d, err := randInt(r, 10)
		if err != nil {
			clear(p)
			return nil, err
		}
		p[i] = byte('0' + d)
	}
	return p, nil
}

// GeneratePIN draws a new PIN or PUK with DefaultPINSpec (r nil:
// crypto/rand). The caller zeroes it when done.
func GeneratePIN(r io.Reader) ([]byte, error) { return Generate(DefaultPINSpec(), r) }
