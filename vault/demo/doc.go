// Package demo generates a realistic Docker Content Trust trust directory
// for `trustvault --demo` and for tests: several repositories under one
// shared root key (as docker uses one root key for all repositories) and a
// second root, targets keys per repository, one locally held snapshot key,
// server-held snapshot and timestamp keys named only in metadata, docker
// signer delegations, signed metadata with notary's default lifetimes, and
// the cases a newcomer should see once: a role close to expiry, a key in the
// legacy (notary < 0.4) layout, a key that metadata names but that is
// missing, and a stale key that no metadata names.
//
// Keys are written through the vault's Store, encrypted with the documented
// Passphrase and, by default, notary's own 2048 PBKDF2 iterations
// (vault.CompatIterations): generation stays fast, and the vault shows those
// keys as weakly protected, which is part of the tour. Never use the demo's
// keys or passphrase for anything real.
//
// demo imports vault only.
package demo
