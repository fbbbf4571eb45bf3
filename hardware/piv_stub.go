//go:build !cgo || !(linux || darwin || freebsd || openbsd)

package hardware

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
)

// PCSC says whether this build reaches tokens through PC/SC: not without
// cgo (this stub answers instead).
const PCSC = false

// ErrNoPCSC says this build cannot reach tokens: PC/SC needs cgo.
var ErrNoPCSC = fmt.Errorf("this trustvault was built without cgo, so it cannot reach PIV tokens through PC/SC (build with CGO_ENABLED=1 and libpcsclite): %w", errors.ErrUnsupported)

// Tokens returns ErrNoPCSC.
func Tokens() ([]TokenInfo, error) { return nil, ErrNoPCSC }

// Open returns ErrNoPCSC.
func Open(serial uint32) (*Token, error) { return nil, ErrNoPCSC }

// Token is a token; this build cannot open one.
type Token struct {
	// Rand is the randomness for new management keys.
	Rand io.Reader
}

// Signer signs with a key on a token; this build has none.
type Signer struct{}

func (t *Token) Close() error                                         { return nil }
func (t *Token) Serial() uint32                                       { return 0 }
func (t *Token) Version() Version                                     { return Version{} }
func (t *Token) Name() string                                         { return "Yubikey" }
func (t *Token) Info() (TokenInfo, error)                             { return TokenInfo{}, ErrNoPCSC }
func (t *Token) VerifyPIN([]byte) error                               { return ErrNoPCSC }
func (t *Token) ChangePIN(old, new []byte) error                      { return ErrNoPCSC }
func (t *Token) ChangePUK(old, new []byte) error                      { return ErrNoPCSC }
func (t *Token) UnblockPIN(puk, newPIN []byte) error                  { return ErrNoPCSC }
func (t *Token) Setup(SetupRequest) error                             { return ErrNoPCSC }
func (t *Token) Slot(Slot) (SlotInfo, error)                          { return SlotInfo{}, ErrNoPCSC }
func (t *Token) SetCertificate([]byte, Slot, *x509.Certificate) error { return ErrNoPCSC }
func (t *Token) Signer(Slot, SignerOptions) (*Signer, error)          { return nil, ErrNoPCSC }
func (t *Token) GenerateKey([]byte, Slot, KeyPolicy, bool) (crypto.PublicKey, error) {
	return nil, ErrNoPCSC
}
func (t *Token) ImportKey([]byte, Slot, *ecdsa.PrivateKey, KeyPolicy, bool) error { return ErrNoPCSC }

func (s *Signer) Public() crypto.PublicKey                                  { return nil }
func (s *Signer) Slot() Slot                                                { return 0 }
func (s *Signer) TouchPolicy() TouchPolicy                                  { return TouchPolicyUnknown }
func (s *Signer) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, ErrNoPCSC }
