// Package tuf is TUF metadata as notary v0.7.0 writes and reads it:
// canonical JSON, key objects and their IDs (the canonical ID of a public
// key, the x509 ID of a root certificate), parsing metadata files, signing
// and verifying them, and the self-signed root certificates notary puts in
// root.json.
//
// It is pure: bytes in, bytes out, with a clock passed in. The notary
// server client and the publisher grow beside it (vault/remote). It
// imports vault/keyrole, vault/internal/fsread and the standard library;
// nothing of the key store.
package tuf
