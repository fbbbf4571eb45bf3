package migrate

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// PEM block types of cosign's encrypted private key files. cosign 2.0.1 and
// later write SIGSTORE and read both; cosign 2.0.0 and older read only COSIGN.
const (
	CosignPEMType   = "ENCRYPTED COSIGN PRIVATE KEY"
	SigstorePEMType = "ENCRYPTED SIGSTORE PRIVATE KEY"
)

// Labels for CosignOptions.Label.
const (
	LabelSigstore = "SIGSTORE"
	LabelCosign   = "COSIGN"
)

// MaxCosignKeySize bounds what DecodeCosignKey reads. A cosign key file for
// the largest key cosign accepts (RSA 4096) is about 5 KiB.
const MaxCosignKeySize = 64 << 10

// The envelope's fixed parts, as cosign (through go-securesystemslib's
// encrypted package) writes and checks them.
const (
	kdfScrypt        = "scrypt"
	cipherSecretbox  = "nacl/secretbox"
	scryptR          = 8
	scryptP          = 1
	scryptKeyLen     = 32
	cosignSaltLen    = 32
	cosignNonceLen   = 24
	defaultCosignLog = 15
	minCosignLogN    = 15
	maxCosignLogN    = 17
)

var (
	// ErrWrongPassphrase means the secretbox did not open: a wrong
	// passphrase, or a damaged key file.
	ErrWrongPassphrase = errors.New("cosign key: wrong passphrase, or the key file is damaged")
	// ErrEmptyPassphrase is returned by EncodeCosignKey for an empty
	// passphrase, which would leave the key as good as plaintext.
	ErrEmptyPassphrase = errors.New("cosign key: the passphrase is empty; an empty passphrase leaves the key readable by anyone who has the file, so choose one (COSIGN_PASSWORD or the passphrase chooser)")
	// ErrUnsupportedKey is wrapped by every refusal of a key type or curve.
	ErrUnsupportedKey = errors.New("unsupported key")
)

// CosignOptions selects how EncodeCosignKey writes the key file.
type CosignOptions struct {
	// Label is LabelSigstore (the default; cosign 2.0.1 and later) or
	// LabelCosign (for cosign 2.0.0 and older, which read only
	// "ENCRYPTED COSIGN PRIVATE KEY").
	Label string
	// LogN is log2 of scrypt's N: 15 (the default; read by every cosign
	// release), 16 (what cosign 2.2 and later write) or 17. cosign before
	// 2.2.0 reads only 15. Nothing else is written: cosign refuses it.
	LogN int
	// Rand supplies the salt and nonce; nil means crypto/rand.
	Rand io.Reader
}

// cosignEnvelope is the JSON inside the PEM block. []byte fields encode as
// standard padded base64, as cosign writes them.
type cosignEnvelope struct {
	KDF        cosignKDF    `json:"kdf"`
	Cipher     cosignCipher `json:"cipher"`
	Ciphertext []byte       `json:"ciphertext"`
}

type cosignKDF struct {
	Name   string       `json:"name"`
	Params scryptParams `json:"params"`
	Salt   []byte       `json:"salt"`
}

type scryptParams struct {
	N int `json:"N"`
	R int `json:"r"`
	P int `json:"p"`
}

type cosignCipher struct {
	Name  string `json:"name"`
	Nonce []byte `json:"nonce"`
}

// EncodeCosignKey writes key as a cosign private key file (cosign.key),
// encrypted under passphrase: a PEM block of type SigstorePEMType (or
// CosignPEMType) holding a JSON envelope, scrypt(passphrase, 32-byte salt, N,
// r=8, p=1) → 32-byte key → NaCl secretbox (24-byte nonce) over the key's
// PKCS#8 DER. cosign sign --key and cosign sign-blob --key read it with
// COSIGN_PASSWORD set to the same passphrase.
//
// Only ECDSA P-256 keys are accepted; Ed25519, RSA and other curves are
// refused with an error that says why. The DER and the derived key are zeroed
// before return; passphrase is left to the caller.
func EncodeCosignKey(key crypto.PrivateKey, passphrase []byte, opts CosignOptions) ([]byte, error) {
	return encodeCosignKey(key, passphrase, opts, deriveBoxKey)
}

// kdfFunc derives the secretbox key; deriveBoxKey is the real one (the fuzz
// test swaps in a cached one, since scrypt under coverage instrumentation
// would leave the fuzzer a handful of runs a minute).
type kdfFunc func(passphrase, salt []byte, n int) (*[scryptKeyLen]byte, error)

func encodeCosignKey(key crypto.PrivateKey, passphrase []byte, opts CosignOptions, kdf kdfFunc) ([]byte, error) {
	if err := cosignExportable(key); err != nil {
		return nil, err
	}
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	pemType, err := cosignPEMType(opts.Label)
	if err != nil {
		return nil, err
	}
	logN := opts.LogN
	if logN == 0 {
		logN = defaultCosignLog
	}
	if logN < minCosignLogN || logN > maxCosignLogN {
		return nil, fmt.Errorf("cosign key: scrypt log2(N) %d is not one cosign reads; use 15 (every cosign), 16 or 17 (cosign 2.2 and later)", logN)
	}
	random := opts.Rand
	if random == nil {
		random = rand.Reader
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("cosign key: PKCS#8: %w", err)
	}
	defer clear(der)
	env, err := sealEnvelope(der, passphrase, 1<<logN, random, kdf)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("cosign key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: body}), nil
}

// sealEnvelope encrypts plain under passphrase with scrypt parameter n. The
// salt is read before the nonce.
func sealEnvelope(plain, passphrase []byte, n int, random io.Reader, kdf kdfFunc) (*cosignEnvelope, error) {
	salt := make([]byte, cosignSaltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return nil, fmt.Errorf("cosign key: salt: %w", err)
	}
	var nonce [cosignNonceLen]byte
	if _, err := io.ReadFull(random, nonce[:]); err != nil {
		return nil, fmt.Errorf("cosign key: nonce: %w", err)
	}
	box, err := kdf(passphrase, salt, n)
	if err != nil {
		return nil, err
	}
	defer clear(box[:])
	return &cosignEnvelope{
		KDF: cosignKDF{
			Name:   kdfScrypt,
			Params: scryptParams{N: n, R: scryptR, P: scryptP},
			Salt:   salt,
		},
		Cipher:     cosignCipher{Name: cipherSecretbox, Nonce: nonce[:]},
		Ciphertext: secretbox.Seal(nil, plain, &nonce, box),
	}, nil
}

// deriveBoxKey runs scrypt with cosign's r and p. The caller zeroes the key.
func deriveBoxKey(passphrase, salt []byte, n int) (*[scryptKeyLen]byte, error) {
	k, err := scrypt.Key(passphrase, salt, n, scryptR, scryptP, scryptKeyLen)
	if err != nil {
		return nil, fmt.Errorf("cosign key: scrypt: %w", err)
	}
	var box [scryptKeyLen]byte
	copy(box[:], k)
	clear(k)
	return &box, nil
}

// DecodeCosignKey reads a cosign private key file (either PEM label) and
// decrypts it with passphrase. It reads at most MaxCosignKeySize bytes,
// accepts only the scrypt parameters cosign writes (N = 2^15, 2^16 or 2^17,
// r = 8, p = 1) and refuses any other N before deriving a key, so a hostile
// file cannot make it allocate more than 128 MiB. A wrong passphrase gives
// ErrWrongPassphrase. The key is returned as x509.ParsePKCS8PrivateKey gives
// it (*ecdsa.PrivateKey, *rsa.PrivateKey or ed25519.PrivateKey).
func DecodeCosignKey(pemBytes, passphrase []byte) (crypto.PrivateKey, error) {
	return decodeCosignKey(pemBytes, passphrase, deriveBoxKey)
}

func decodeCosignKey(pemBytes, passphrase []byte, kdf kdfFunc) (crypto.PrivateKey, error) {
	if len(pemBytes) > MaxCosignKeySize {
		return nil, fmt.Errorf("cosign key: %d bytes is more than a cosign key file holds (at most %d); is this the right file?", len(pemBytes), MaxCosignKeySize)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("cosign key: no PEM block found; a cosign key file starts with -----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----")
	}
	if block.Type != SigstorePEMType && block.Type != CosignPEMType {
		return nil, fmt.Errorf("cosign key: PEM type %q is not a cosign key (want %q or %q); an unencrypted key must first go through cosign import-key-pair or trustvault import", block.Type, SigstorePEMType, CosignPEMType)
	}
	env, err := parseEnvelope(block.Bytes)
	if err != nil {
		return nil, err
	}
	der, err := openEnvelope(env, passphrase, kdf)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("cosign key: the decrypted key is not PKCS#8: %w", err)
	}
	return key, nil
}

// parseEnvelope decodes and checks the JSON envelope without deriving keys.
func parseEnvelope(body []byte) (*cosignEnvelope, error) {
	var env cosignEnvelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("cosign key: the envelope is not cosign's JSON: %w", err)
	}
	if env.KDF.Name != kdfScrypt {
		return nil, fmt.Errorf("cosign key: key derivation %q is not supported (cosign writes %q)", env.KDF.Name, kdfScrypt)
	}
	if env.Cipher.Name != cipherSecretbox {
		return nil, fmt.Errorf("cosign key: cipher %q is not supported (cosign writes %q)", env.Cipher.Name, cipherSecretbox)
	}
	p := env.KDF.Params
	if p.N != 1<<15 && p.N != 1<<16 && p.N != 1<<17 {
		return nil, fmt.Errorf("cosign key: scrypt N=%d is not one cosign writes (32768, 65536 or 131072, i.e. 2^15..2^17); refused before deriving a key", p.N)
	}
	if p.R != scryptR || p.P != scryptP {
		return nil, fmt.Errorf("cosign key: scrypt r=%d p=%d; cosign writes only r=8 p=1", p.R, p.P)
	}
	if len(env.KDF.Salt) == 0 {
		return nil, errors.New("cosign key: the scrypt salt is empty")
	}
	if len(env.Cipher.Nonce) != cosignNonceLen {
		return nil, fmt.Errorf("cosign key: the secretbox nonce is %d bytes, want %d", len(env.Cipher.Nonce), cosignNonceLen)
	}
	if len(env.Ciphertext) < secretbox.Overhead {
		return nil, fmt.Errorf("cosign key: the ciphertext is %d bytes, shorter than the %d-byte authenticator", len(env.Ciphertext), secretbox.Overhead)
	}
	return &env, nil
}

// openEnvelope decrypts a checked envelope. The caller zeroes the result.
func openEnvelope(env *cosignEnvelope, passphrase []byte, kdf kdfFunc) ([]byte, error) {
	box, err := kdf(passphrase, env.KDF.Salt, env.KDF.Params.N)
	if err != nil {
		return nil, err
	}
	defer clear(box[:])
	var nonce [cosignNonceLen]byte
	copy(nonce[:], env.Cipher.Nonce)
	plain, ok := secretbox.Open(nil, env.Ciphertext, &nonce, box)
	if !ok {
		return nil, ErrWrongPassphrase
	}
	return plain, nil
}

// EncodeCosignPublicKey writes pub as cosign.pub: a PEM "PUBLIC KEY" block
// holding the PKIX SubjectPublicKeyInfo. Like EncodeCosignKey it accepts only
// ECDSA P-256.
func EncodeCosignPublicKey(pub crypto.PublicKey) ([]byte, error) {
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, cosignRefusal(pub)
	}
	der, err := x509.MarshalPKIXPublicKey(ec)
	if err != nil {
		return nil, fmt.Errorf("cosign public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// cosignExportable accepts ECDSA P-256 private keys only.
func cosignExportable(key crypto.PrivateKey) error {
	if ec, ok := key.(*ecdsa.PrivateKey); ok && ec.Curve == elliptic.P256() {
		return nil
	}
	if s, ok := key.(crypto.Signer); ok {
		return cosignRefusal(s.Public())
	}
	return fmt.Errorf("cosign key: %w: %T is not a private key", ErrUnsupportedKey, key)
}

// cosignRefusal explains why a public key's type is not exported to cosign.
func cosignRefusal(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return fmt.Errorf("cosign key: %w: Ed25519 keys are not exported to cosign: cosign v3 loads Ed25519 keys as Ed25519ph by default and then cannot sign or verify with them (sigstore/cosign#5074); use a P-256 key", ErrUnsupportedKey)
	case *rsa.PublicKey:
		return fmt.Errorf("cosign key: %w: RSA-%d keys are not exported to cosign: trustvault exports only ECDSA P-256, the key type docker and notary generate and the one tested against cosign; make a fresh P-256 key for cosign", ErrUnsupportedKey, k.N.BitLen())
	case *ecdsa.PublicKey:
		return fmt.Errorf("cosign key: %w: ECDSA %s keys are not exported to cosign: trustvault exports only P-256, the curve docker and notary use", ErrUnsupportedKey, k.Curve.Params().Name)
	default:
		return fmt.Errorf("cosign key: %w: %T keys are not exported to cosign; only ECDSA P-256", ErrUnsupportedKey, pub)
	}
}

// cosignPEMType maps a label to its PEM type.
func cosignPEMType(label string) (string, error) {
	switch strings.ToUpper(label) {
	case "", LabelSigstore:
		return SigstorePEMType, nil
	case LabelCosign:
		return CosignPEMType, nil
	default:
		return "", fmt.Errorf("cosign key: label %q is unknown; use %s (cosign 2.0.1 and later) or %s (cosign 2.0.0 and older)", label, LabelSigstore, LabelCosign)
	}
}
