// Package publish owns building, signing and publishing TUF updates to a
// notary server: creating a repository (Init), signing and revoking tags
// (Sign, Revoke), delegations and docker's signers (AddDelegation,
// RemoveDelegation, AddSigner, RemoveSigner), key rotation (Rotate) and
// deleting a repository's trust data after it was archived (Delete).
//
// Every change is one multipart POST with every changed role: the server
// accepts the whole update or none of it. Before it, the repository is
// pulled and verified (vault/remote); after it, pulled and verified again,
// which is what writes the cache. Keys sign wherever they are: on a Yubikey
// when one that holds the key is plugged in (PIN and touch through
// token.Auth), else from their encrypted file (passphrase through a
// vault.PassphraseFunc).
//
// New keys (a targets or snapshot key at init, the new key of a rotation)
// are written to the key store BEFORE the publish, as new files no
// metadata refers to yet: a key the server has accepted can never be lost
// to a crash or a cancelled passphrase prompt after the publish. When the
// server refuses, or nothing was sent, those new files are removed again,
// so the key store is as it was. When the answer was lost (the server may
// or may not have taken the update) they are kept, and the error says so.
// A new root key made at init for a Yubikey is the exception: it is put on
// the token before the publish (the token signs the root certificate and
// root.json), so it stays, with its file as the backup, and a second init
// finds and uses it.
//
// Plans (PlanSign, PlanRevoke, PlanAddSigner, PlanRotate) work a change
// out with the same code, but unlock no key, write no file and send
// nothing: the metadata files it would publish with their versions, what
// the server would sign, and which keys would sign and where they are
// (the CLI's --dry-run, the interactive view's confirmation). A key the
// change would make, or read only when publishing, stands in as a key of
// its own in a plan, and the plan says so.
//
// New builds the publisher for a run's remote.Setup: the server the
// person named, never docker's guess; the CLI and the view both use it.
//
// It imports vault, vault/tuf, vault/remote, vault/token and vault/keyrole;
// it never touches the terminal.
package publish
