// Package token is the engine's side of hardware tokens (YubiKey 4 and
// later): keys on tokens listed as notary's Yubikey store lists them and
// located among the store's keys (the token wins over a file with the same
// key, which becomes its backup), tokens set up with random PIN, PUK and
// management key, root keys generated on a token or moved onto one (the
// encrypted file stays as the backup), signers that prefer the token, and
// PIN changes.
//
// The PC/SC work is in hardware; this package gives it meaning. It
// imports vault, vault/keyrole, vault/passphrase, vault/tuf and hardware.
package token
