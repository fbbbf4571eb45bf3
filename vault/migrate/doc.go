// Package migrate converts Docker Content Trust keys into the files the two
// successors of DCT read: cosign's encrypted key pair, and Notation's signing
// certificate, signingkeys.json entry, trust store and trust policy.
//
// The formats are pure functions over keys, certificates and bytes. The
// caller (the CLI, the interactive view) decrypts the DCT key, calls them,
// and writes the results with WriteExport (ExportCosign does both for
// cosign): a new directory, new files with the modes they name, all or
// nothing. Report builds the migration report both show from the key
// store, its archive records and remote.Setup's choice of server.
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
// migrate imports the standard library, golang.org/x/crypto, vault and
// vault/remote (for the report); never ui or cmd.
package migrate
