package vault

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// This file is notary's PKCS#8 variant (FORMAT.md §3), written from the
// format description: the unencrypted PrivateKeyInfo notary puts inside every
// key, and PBES2 with PBKDF2 and AES-CBC around it.

var (
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	// oidNotaryEd25519 is the old GnuPG/draft OID notary uses for Ed25519.
	oidNotaryEd25519 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 15, 1}
	// oidEd25519 is RFC 8410's OID: accepted on import, never written.
	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}

	oidP224 = asn1.ObjectIdentifier{1, 3, 132, 0, 33}
	oidP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384 = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidP521 = asn1.ObjectIdentifier{1, 3, 132, 0, 35}

	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}

	oidAES128CBC = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// prfs are the PBKDF2 pseudo-random functions trustvault reads. notary
// ignores the field and always uses SHA-1; trustvault honours it, so that
// OpenSSL 3's default (hmacWithSHA256) imports, and reports it.
var prfs = []struct {
	oid  asn1.ObjectIdentifier
	name string
	h    func() hash.Hash
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}, "hmacWithSHA1", sha1.New},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}, "hmacWithSHA224", sha256.New224},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}, "hmacWithSHA256", sha256.New},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}, "hmacWithSHA384", sha512.New384},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}, "hmacWithSHA512", sha512.New},
}

var pbesCiphers = []struct {
	oid    asn1.ObjectIdentifier
	name   string
	keyLen int
}{
	{oidAES256CBC, "aes256-cbc", 32},
	{oidAES192CBC, "aes192-cbc", 24},
	{oidAES128CBC, "aes128-cbc", 16},
}

// MaxIterations bounds the PBKDF2 iteration count of a key file: notary
// and docker write CompatIterations (2,048), trustvault HardenedIterations
// (1,300,000); this leaves room for a deliberate higher setting (about two
// seconds of work per unlock) and no more. A file asking for more is
// refused before any work, with an error naming the count and the limit.
const MaxIterations = 10_000_000

// MaxImportIterations bounds the work of one import: the sum of the
// iteration counts of its encrypted blocks, checked before any passphrase
// is asked for (a hundred keys at HardenedIterations fit).
const MaxImportIterations = 150_000_000

const maxIterations = MaxIterations

// notaryKeyInfo is the PrivateKeyInfo as notary writes it: the algorithm is
// a bare SEQUENCE of OIDs (no NULL, no parameters field).
type notaryKeyInfo struct {
	Version    int
	Algorithm  []asn1.ObjectIdentifier
	PrivateKey []byte
}

// readKeyInfo is lenient: it takes the algorithm as raw bytes so that both
// notary's SEQUENCE-of-OIDs and a standard AlgorithmIdentifier parse.
type readKeyInfo struct {
	Version    int
	Algorithm  asn1.RawValue
	PrivateKey []byte
	Rest       asn1.RawValue `asn1:"optional,tag:0"`
}

// marshalPKCS8 encodes a private key as notary's PrivateKeyInfo.
func marshalPKCS8(key crypto.Signer) ([]byte, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		curve, err := curveOID(k.Curve)
		if err != nil {
			return nil, err
		}
		sec1, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, err
		}
		return asn1.Marshal(notaryKeyInfo{Version: 1, Algorithm: []asn1.ObjectIdentifier{oidECPublicKey, curve}, PrivateKey: sec1})
	case *rsa.PrivateKey:
		return asn1.Marshal(notaryKeyInfo{Version: 0, Algorithm: []asn1.ObjectIdentifier{oidRSAEncryption}, PrivateKey: x509.MarshalPKCS1PrivateKey(k)})
	case ed25519.PrivateKey:
		return asn1.Marshal(notaryKeyInfo{Version: 0, Algorithm: []asn1.ObjectIdentifier{oidNotaryEd25519}, PrivateKey: notaryEd25519Bytes(k)})
	default:
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
}

// notaryEd25519Bytes is notary's 96-byte Ed25519 encoding:
// public(32) || seed(32) || public(32).
func notaryEd25519Bytes(k ed25519.PrivateKey) []byte {
	pub := k.Public().(ed25519.PublicKey)
	out := make([]byte, 0, 96)
	out = append(out, pub...)
	return append(out, k...) // k is seed || public
}

func parseNotaryEd25519(b []byte) (ed25519.PrivateKey, error) {
	if len(b) != 96 {
		return nil, fmt.Errorf("ed25519 key is %d bytes, want 96", len(b))
	}
	k := ed25519.NewKeyFromSeed(b[32:64])
	pub := k.Public().(ed25519.PublicKey)
	if !bytes.Equal(pub, b[:32]) || !bytes.Equal(pub, b[64:]) {
		return nil, errors.New("ed25519 key's public part does not match its seed")
	}
	return k, nil
}

func curveOID(c elliptic.Curve) (asn1.ObjectIdentifier, error) {
	switch c {
	case elliptic.P224():
		return oidP224, nil
	case elliptic.P256():
		return oidP256, nil
	case elliptic.P384():
		return oidP384, nil
	case elliptic.P521():
		return oidP521, nil
	}
	return nil, errors.New("unsupported elliptic curve")
}

// parsePKCS8 decodes a PrivateKeyInfo in notary's form or the standard one
// (including RFC 8410 Ed25519, which notary itself refuses).
func parsePKCS8(der []byte) (crypto.Signer, error) {
	var info readKeyInfo
	rest, err := asn1.Unmarshal(der, &info)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS#8 private key: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing data after PKCS#8 private key")
	}
	var algo asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(info.Algorithm.Bytes, &algo); err != nil {
		return nil, fmt.Errorf("PKCS#8 algorithm: %w", err)
	}
	if algo.Equal(oidNotaryEd25519) {
		return parseNotaryEd25519(info.PrivateKey)
	}
	// ECDSA (notary's version 1 included), RSA (with or without the NULL
	// parameter) and RFC 8410 Ed25519 are forms the standard library reads.
	if algo.Equal(oidECPublicKey) || algo.Equal(oidRSAEncryption) || algo.Equal(oidEd25519) {
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("PKCS#8 private key: %w", err)
		}
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unsupported PKCS#8 key algorithm %v", algo)
}

type encryptedKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Cipher pkix.AlgorithmIdentifier
}

// notaryPBKDF2Params is what notary writes: salt and count only.
type notaryPBKDF2Params struct {
	Salt       []byte
	Iterations int
}

// pbes2 holds the parameters of an ENCRYPTED PRIVATE KEY.
type pbes2 struct {
	salt       []byte
	iterations int
	keyLen     int
	prf        string
	prfHash    func() hash.Hash
	cipher     string
	iv         []byte
	ciphertext []byte
}

// parsePBES2 reads the parameters of an EncryptedPrivateKeyInfo without
// decrypting anything. It walks the DER with cryptobyte rather than
// encoding/asn1: listing ten thousand keys parses ten thousand of these, and
// reflection made up most of that time.
func parsePBES2(der []byte) (*pbes2, error) {
	var (
		in, outer, algo, params, kdf, kdfParams, cipherSpec cryptobyte.String
		algoOID, kdfOID, cipherOID                          asn1.ObjectIdentifier
		p                                                   = &pbes2{prf: "hmacWithSHA1", prfHash: sha1.New}
		ct                                                  cryptobyte.String
	)
	in = der
	if !in.ReadASN1(&outer, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errors.New("not an encrypted PKCS#8 key: malformed or trailing data")
	}
	if !outer.ReadASN1(&algo, cbasn1.SEQUENCE) || !algo.ReadASN1ObjectIdentifier(&algoOID) {
		return nil, errors.New("not an encrypted PKCS#8 key: no encryption algorithm")
	}
	if !algoOID.Equal(oidPBES2) {
		return nil, fmt.Errorf("unsupported key encryption %v: only PBES2 is supported", algoOID)
	}
	if !algo.ReadASN1(&params, cbasn1.SEQUENCE) || !params.ReadASN1(&kdf, cbasn1.SEQUENCE) ||
		!kdf.ReadASN1ObjectIdentifier(&kdfOID) {
		return nil, errors.New("malformed PBES2 parameters")
	}
	if !kdfOID.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("unsupported key derivation %v: only PBKDF2 is supported", kdfOID)
	}
	var salt []byte
	var keyLen int
	if !kdf.ReadASN1(&kdfParams, cbasn1.SEQUENCE) || !kdf.Empty() || !kdfParams.ReadASN1Bytes(&salt, cbasn1.OCTET_STRING) ||
		!kdfParams.ReadASN1Integer(&p.iterations) {
		return nil, errors.New("malformed PBKDF2 parameters")
	}
	if len(salt) == 0 {
		return nil, errors.New("malformed PBKDF2 parameters: the salt is empty")
	}
	if kdfParams.PeekASN1Tag(cbasn1.INTEGER) && !kdfParams.ReadASN1Integer(&keyLen) {
		return nil, errors.New("malformed PBKDF2 key length")
	}
	if kdfParams.PeekASN1Tag(cbasn1.SEQUENCE) {
		if err := p.readPRF(&kdfParams); err != nil {
			return nil, err
		}
	}
	if !kdfParams.Empty() {
		return nil, errors.New("malformed PBKDF2 parameters: trailing data")
	}
	if p.iterations < 1 {
		return nil, fmt.Errorf("PBKDF2 iteration count %d is not a count", p.iterations)
	}
	if p.iterations > MaxIterations {
		return nil, fmt.Errorf("PBKDF2 iteration count %d is more than the %d trustvault accepts (notary and docker write %d, trustvault %d): refused before any work; re-encrypt the key with a lower count", p.iterations, MaxIterations, CompatIterations, HardenedIterations)
	}
	p.salt = salt
	if !params.ReadASN1(&cipherSpec, cbasn1.SEQUENCE) || !params.Empty() || !algo.Empty() || !cipherSpec.ReadASN1ObjectIdentifier(&cipherOID) {
		return nil, errors.New("malformed PBES2 parameters: a cipher, then nothing")
	}
	for _, c := range pbesCiphers {
		if c.oid.Equal(cipherOID) {
			p.cipher, p.keyLen = c.name, c.keyLen
		}
	}
	if p.cipher == "" {
		return nil, fmt.Errorf("unsupported cipher %v: only AES-CBC is supported", cipherOID)
	}
	if keyLen != 0 && keyLen != p.keyLen {
		return nil, fmt.Errorf("PBKDF2 key length %d does not fit %s", keyLen, p.cipher)
	}
	if !cipherSpec.ReadASN1Bytes(&p.iv, cbasn1.OCTET_STRING) || len(p.iv) != aes.BlockSize {
		return nil, errors.New("cipher IV is not 16 bytes")
	}
	if !cipherSpec.Empty() {
		return nil, errors.New("malformed PBES2 cipher: trailing data after the IV")
	}
	if !outer.ReadASN1(&ct, cbasn1.OCTET_STRING) || !outer.Empty() {
		return nil, errors.New("malformed encrypted data")
	}
	p.ciphertext = ct
	if len(p.ciphertext) == 0 || len(p.ciphertext)%aes.BlockSize != 0 {
		return nil, errors.New("ciphertext is not a whole number of AES blocks")
	}
	return p, nil
}

// readPRF reads PBKDF2's optional PRF AlgorithmIdentifier: an OID and
// nothing after it but an optional NULL.
func (p *pbes2) readPRF(in *cryptobyte.String) error {
	var prf cryptobyte.String
	var prfOID asn1.ObjectIdentifier
	if !in.ReadASN1(&prf, cbasn1.SEQUENCE) || !prf.ReadASN1ObjectIdentifier(&prfOID) {
		return errors.New("malformed PBKDF2 PRF")
	}
	if prf.PeekASN1Tag(cbasn1.NULL) {
		var null cryptobyte.String
		if !prf.ReadASN1(&null, cbasn1.NULL) || !null.Empty() {
			return errors.New("malformed PBKDF2 PRF parameters")
		}
	}
	if !prf.Empty() {
		return errors.New("malformed PBKDF2 PRF: trailing data")
	}
	for _, f := range prfs {
		if f.oid.Equal(prfOID) {
			p.prf, p.prfHash = f.name, f.h
			return nil
		}
	}
	return fmt.Errorf("unsupported PBKDF2 PRF %v", prfOID)
}

func (p *pbes2) encryption() Encryption {
	return Encryption{Scheme: SchemePBES2, PRF: p.prf, Iterations: p.iterations, Cipher: p.cipher}
}

// decrypt returns the plaintext PrivateKeyInfo, or ErrWrongPassphrase when
// the padding or the DER inside is not right (the only signal CBC gives).
func (p *pbes2) decrypt(passphrase []byte) ([]byte, error) {
	dk, err := deriveKey(p.prfHash, passphrase, p.salt, p.iterations, p.keyLen)
	if err != nil {
		return nil, err
	}
	defer zero(dk)
	return cbcDecrypt(dk, p.iv, p.ciphertext)
}

// cbcDecrypt decrypts and unpads, reporting any padding fault as
// ErrWrongPassphrase. The plaintext buffer is the caller's to zero.
func cbcDecrypt(key, iv, ciphertext []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cbcDecryptWith(block, iv, ciphertext)
}

func cbcDecryptWith(block cipher.Block, iv, ciphertext []byte) ([]byte, error) {
	bs := block.BlockSize()
	if len(ciphertext) == 0 || len(ciphertext)%bs != 0 || len(iv) != bs {
		return nil, errors.New("ciphertext is not a whole number of blocks")
	}
	plain := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ciphertext)
	n := int(plain[len(plain)-1])
	if n == 0 || n > bs || n > len(plain) {
		zero(plain)
		return nil, ErrWrongPassphrase
	}
	for _, b := range plain[len(plain)-n:] {
		if int(b) != n {
			zero(plain)
			return nil, ErrWrongPassphrase
		}
	}
	return plain[:len(plain)-n], nil
}

// encryptPKCS8 wraps a PrivateKeyInfo in PBES2 exactly as notary does: an
// 8-byte salt, PBKDF2 with HMAC-SHA1 (no PRF or key length field), AES-256-CBC
// with a 16-byte IV, PKCS#7 padding.
func encryptPKCS8(plain, passphrase []byte, iterations int, rand io.Reader) ([]byte, error) {
	salt := make([]byte, 8)
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return nil, fmt.Errorf("read random salt: %w", err)
	}
	if _, err := io.ReadFull(rand, iv); err != nil {
		return nil, fmt.Errorf("read random IV: %w", err)
	}
	return encryptPKCS8With(plain, passphrase, iterations, salt, iv)
}

func encryptPKCS8With(plain, passphrase []byte, iterations int, salt, iv []byte) ([]byte, error) {
	if iterations < 1 || iterations > maxIterations {
		return nil, fmt.Errorf("iteration count %d is out of range", iterations)
	}
	dk, err := deriveKey(sha1.New, passphrase, salt, iterations, 32)
	if err != nil {
		return nil, err
	}
	defer zero(dk)
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	buf := make([]byte, len(plain)+pad)
	copy(buf, plain)
	for i := len(plain); i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)

	kdfParams, err := asn1.Marshal(notaryPBKDF2Params{Salt: salt, Iterations: iterations})
	if err != nil {
		return nil, err
	}
	ivParam, err := asn1.Marshal(iv)
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(pbes2Params{
		KDF:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		Cipher: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivParam}},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(encryptedKeyInfo{
		Algorithm:     pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}},
		EncryptedData: buf,
	})
}
