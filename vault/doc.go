// Package vault is trustvault's engine: the Docker Content Trust key store as
// docker and notary read and write it, key IDs, notary's PKCS#8 encryption,
// TUF metadata, repositories and roles.
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
// and never appear in an error.
//
// vault may import hardware, archive and assets; nothing in the project but
// cmd and ui imports vault.
package vault
