// Package vault is trustvault's engine: the Docker Content Trust key store
// as docker and notary read and write it. It owns the key files (notary's
// PKCS#8 variant and the legacy PEM encryption), key IDs and the file
// layouts, the repositories read from the TUF metadata cache and matched
// against the keys, re-encryption (passwd, harden), and the orchestration of
// backups over two drives, restores and drills.
//
// The key store, key files, PKCS#8 and key IDs stay together here because
// they depend on each other both ways. The other jobs live in
// sub-packages, each with a doc.go that says what it owns:
// vault/keyrole (the five key kinds), vault/passphrase (generation,
// strength, policy), vault/tuf (TUF metadata), vault/token (Yubikeys),
// vault/health (findings, explain, guides), vault/demo (the demo vault),
// vault/vaulttest (the test kit).
//
// The store is byte-compatible with notary v0.7.0 and docker 28: it reads the
// flat layout (private/<id>.key) and the legacy layouts (private/root_keys,
// private/tuf_keys/<gun>) in place and never migrates, moves or deletes a
// file when it opens a directory. Every write is atomic (temporary file in the
// same directory, fsync, rename, fsync of the directory) and serialised by an
// advisory lock in <trust dir>/trustvault/lock.
//
// Passphrases reach the engine through a PassphraseFunc callback; the engine
// never touches the terminal. They are held as []byte and zeroed after use,
// and never appear in an error. Errors carry no package prefix: the front
// ends say where a message comes from.
//
// vault may import vault/keyrole, vault/passphrase, vault/tuf, vault/internal,
// hardware, archive and assets. Only vault/... imports hardware, archive and
// assets; ui and cmd see vault's own types.
package vault
