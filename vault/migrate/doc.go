// Package migrate converts Docker Content Trust keys into the files the two
// successors of DCT read: cosign's encrypted key pair, and Notation's signing
// certificate, signingkeys.json entry, trust store and trust policy.
//
// Everything here is a pure function over keys, certificates and bytes: no
// key store, no file system, no terminal. The caller (the vault's migration
// flow and the CLI) decrypts the DCT key, calls these functions, and writes
// the results atomically with the modes they name.
//
// cosign: EncodeCosignKey writes cosign's own encrypted private key format
// (a PEM block whose body is a JSON envelope: scrypt key derivation and a NaCl
// secretbox around the key's PKCS#8 DER) and DecodeCosignKey reads it, so a
// DCT key reaches cosign without ever existing as a plaintext file.
// EncodeCosignPublicKey writes cosign.pub. Only ECDSA P-256 keys are
// exported: every key docker and notary generate on a client is P-256, and
// cosign v3 cannot use an Ed25519 key under its defaults (sigstore/cosign#5074).
//
// Notation: NotationCertificate mints a code-signing certificate over an
// existing key that Notation's certificate rules accept (key usage critical
// and digitalSignature only, extended key usage codeSigning, not a CA).
// Notation cannot read an encrypted private key, so its key file is
// plaintext by Notation's design: PlainKeyPEM documents that and leaves the
// decision, and the warning, to the caller.
//
// Secrets (passphrases, derived keys, DER encodings of private keys) are held
// as []byte, zeroed after use, and never put into an error.
//
// migrate may import the standard library and golang.org/x/crypto only; it
// imports nothing from the project, and neither ui nor cmd.
package migrate
