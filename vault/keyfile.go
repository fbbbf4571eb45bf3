package vault

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
)

// PEM block types and headers of the key store (FORMAT.md §2).
const (
	blockEncrypted = "ENCRYPTED PRIVATE KEY"
	blockPKCS8     = "PRIVATE KEY"
	blockEC        = "EC PRIVATE KEY"
	blockRSA       = "RSA PRIVATE KEY"
	blockEd25519   = "ED25519 PRIVATE KEY"
	blockPublic    = "PUBLIC KEY"

	headerRole     = "role"
	headerGUN      = "gun"
	headerPath     = "path"
	headerProcType = "Proc-Type"
	headerDEKInfo  = "DEK-Info"
)

// isPrivateBlock reports whether a PEM block type is one the key store holds.
func isPrivateBlock(t string) bool {
	switch t {
	case blockEncrypted, blockPKCS8, blockEC, blockRSA, blockEd25519:
		return true
	}
	return false
}

// keyFile is one decoded private-key PEM block with what can be learnt
// from it without a passphrase.
type keyFile struct {
	block      *pem.Block
	encryption Encryption
	// algorithm is known for unencrypted blocks and legacy block types.
	algorithm string
	// pbes2 is set for ENCRYPTED PRIVATE KEY.
	pbes2 *pbes2
}

// ErrExtraBlock: a key file holds more than one PEM block. notary reads
// only the first, so a second is at best clutter and at worst a private
// key in plaintext beside the encrypted one.
var ErrExtraBlock = errors.New("more than one PEM block in a key file")

// decodeKeyFile reads the PEM block of a key file, as notary does, and
// describes it. It never needs a passphrase. A second PEM block after the
// first is ErrExtraBlock, named for what it is (a plaintext key block
// after an encrypted one is the case to fear).
func decodeKeyFile(data []byte) (*keyFile, error) {
	if block, ok := decodeCanonicalPEM(data); ok {
		return describeBlock(block)
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if extra, _ := pem.Decode(rest); extra != nil {
		return nil, extraBlockError(block, extra)
	}
	return describeBlock(block)
}

func extraBlockError(first, extra *pem.Block) error {
	plain := isPrivateBlock(extra.Type) && extra.Type != blockEncrypted && !legacyEncrypted(extra)
	switch {
	case plain && (first.Type == blockEncrypted || legacyEncrypted(first)):
		return fmt.Errorf("%w: plaintext key block after the encrypted one (%q): the file holds a private key unencrypted; keep only the first block (or delete the file and import the key again)", ErrExtraBlock, extra.Type)
	case plain:
		return fmt.Errorf("%w: a second plaintext key block (%q) follows the first; keep only the first block", ErrExtraBlock, extra.Type)
	}
	return fmt.Errorf("%w: a %q block follows the key; keep only the first block", ErrExtraBlock, extra.Type)
}

func describeBlock(block *pem.Block) (*keyFile, error) {
	kf := &keyFile{block: block}
	switch block.Type {
	case blockEncrypted:
		p, err := parsePBES2(block.Bytes)
		if err != nil {
			return nil, err
		}
		kf.pbes2, kf.encryption = p, p.encryption()
		return kf, nil
	case blockPKCS8, blockEC, blockRSA, blockEd25519:
	default:
		return nil, fmt.Errorf("unknown key format: PEM block %q is not a private key", block.Type)
	}
	kf.algorithm = blockAlgorithm(block.Type)
	if legacyEncrypted(block) {
		c, _, err := parseDEKInfo(block.Headers[headerDEKInfo])
		if err != nil {
			return nil, err
		}
		kf.encryption = Encryption{Scheme: SchemeLegacyPEM, PRF: "md5", Iterations: 1, Cipher: c.name}
		return kf, nil
	}
	key, err := parsePlainBlock(block.Type, block.Bytes)
	if err != nil {
		return nil, err
	}
	kf.algorithm = algorithmOf(key)
	return kf, nil
}

func blockAlgorithm(t string) string {
	switch t {
	case blockEC:
		return AlgorithmECDSA
	case blockRSA:
		return AlgorithmRSA
	case blockEd25519:
		return AlgorithmED25519
	}
	return ""
}

func legacyEncrypted(b *pem.Block) bool {
	return strings.Contains(b.Headers[headerProcType], "ENCRYPTED")
}

// decrypt returns the private key with the passphrase. Unencrypted blocks
// ignore it. A wrong passphrase is ErrWrongPassphrase.
func (kf *keyFile) decrypt(passphrase []byte) (crypto.Signer, error) {
	switch {
	case kf.pbes2 != nil:
		plain, err := kf.pbes2.decrypt(passphrase)
		if err != nil {
			return nil, err
		}
		defer zero(plain)
		key, err := parsePKCS8(plain)
		if err != nil {
			// CBC has no integrity check: a wrong passphrase can leave
			// valid-looking padding over garbage.
			return nil, ErrWrongPassphrase
		}
		return key, nil
	case legacyEncrypted(kf.block):
		plain, err := decryptLegacyPEM(kf.block, passphrase)
		if err != nil {
			return nil, err
		}
		defer zero(plain)
		key, err := parsePlainBlock(kf.block.Type, plain)
		if err != nil {
			return nil, ErrWrongPassphrase
		}
		return key, nil
	default:
		return parsePlainBlock(kf.block.Type, kf.block.Bytes)
	}
}

// encrypted reports whether decrypting needs a passphrase.
func (kf *keyFile) encrypted() bool { return kf.encryption.Scheme != SchemeNone }

func parsePlainBlock(t string, der []byte) (crypto.Signer, error) {
	switch t {
	case blockPKCS8:
		return parsePKCS8(der)
	case blockEC:
		k, err := x509.ParseECPrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("EC private key: %w", err)
		}
		return k, nil
	case blockRSA:
		k, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("RSA private key: %w", err)
		}
		return k, nil
	case blockEd25519:
		return parseNotaryEd25519(der)
	}
	return nil, fmt.Errorf("unknown key format %q", t)
}

func algorithmOf(k crypto.Signer) string {
	switch k.(type) {
	case *ecdsa.PrivateKey:
		return AlgorithmECDSA
	case *rsa.PrivateKey:
		return AlgorithmRSA
	case ed25519.PrivateKey:
		return AlgorithmED25519
	}
	return ""
}

// legacyCipher is one of the ciphers OpenSSL's PEM encryption names in
// DEK-Info. notary up to v0.5 wrote AES-256-CBC.
type legacyCipher struct {
	name   string
	keyLen int
	block  func([]byte) (cipher.Block, error)
}

var legacyCiphers = []legacyCipher{
	{"AES-256-CBC", 32, aes.NewCipher},
	{"AES-192-CBC", 24, aes.NewCipher},
	{"AES-128-CBC", 16, aes.NewCipher},
	{"DES-EDE3-CBC", 24, des.NewTripleDESCipher},
}

func parseDEKInfo(v string) (legacyCipher, []byte, error) {
	name, ivHex, ok := strings.Cut(v, ",")
	if !ok {
		return legacyCipher{}, nil, fmt.Errorf("malformed DEK-Info header %q", v)
	}
	for _, c := range legacyCiphers {
		if c.name == name {
			iv, err := hex.DecodeString(ivHex)
			if err != nil || len(iv) < 8 {
				return legacyCipher{}, nil, fmt.Errorf("malformed DEK-Info IV %q", ivHex)
			}
			return c, iv, nil
		}
	}
	return legacyCipher{}, nil, fmt.Errorf("unsupported legacy PEM cipher %q", name)
}

// evpBytesToKey is OpenSSL's EVP_BytesToKey with MD5 and one round, the key
// derivation of legacy PEM encryption: D_i = MD5(D_{i-1} || pass || salt).
func evpBytesToKey(pass, salt []byte, keyLen int) []byte {
	var key, prev []byte
	for len(key) < keyLen {
		h := md5.New()
		h.Write(prev)
		h.Write(pass)
		h.Write(salt)
		prev = h.Sum(nil)
		key = append(key, prev...)
	}
	zero(prev)
	return key[:keyLen]
}

func decryptLegacyPEM(b *pem.Block, pass []byte) ([]byte, error) {
	c, iv, err := parseDEKInfo(b.Headers[headerDEKInfo])
	if err != nil {
		return nil, err
	}
	key := evpBytesToKey(pass, iv[:8], c.keyLen)
	defer zero(key)
	blk, err := c.block(key)
	if err != nil {
		return nil, err
	}
	if len(iv) != blk.BlockSize() {
		return nil, fmt.Errorf("DEK-Info IV is %d bytes, want %d", len(iv), blk.BlockSize())
	}
	return cbcDecryptWith(blk, iv, b.Bytes)
}

// encryptKeyBlock is the file notary writes for a key: ENCRYPTED PRIVATE KEY
// with role and gun headers when non-empty.
func encryptKeyBlock(key crypto.Signer, role, gun string, passphrase []byte, iterations int, rand io.Reader) (*pem.Block, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("refusing to write a private key without a passphrase")
	}
	plain, err := marshalPKCS8(key)
	if err != nil {
		return nil, err
	}
	defer zero(plain)
	der, err := encryptPKCS8(plain, passphrase, iterations, rand)
	if err != nil {
		return nil, err
	}
	return &pem.Block{Type: blockEncrypted, Headers: keyHeaders(role, gun), Bytes: der}, nil
}

func keyHeaders(role, gun string) map[string]string {
	h := map[string]string{}
	if role != "" {
		h[headerRole] = role
	}
	if gun != "" {
		h[headerGUN] = gun
	}
	return h
}

// publicKeyBlock is a PUBLIC KEY PEM block (PKIX DER) with a role header, as
// docker's `trust key generate` writes NAME.pub.
func publicKeyBlock(pub crypto.PublicKey, role string) (*pem.Block, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return &pem.Block{Type: blockPublic, Headers: keyHeaders(role, ""), Bytes: der}, nil
}
