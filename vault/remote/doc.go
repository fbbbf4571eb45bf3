// Package remote talks to notary servers (the notary v1 server API that
// docker content trust used): it pulls a repository's TUF metadata,
// verifies it as notary's client does (through vault/tuf), and writes it
// into the trust directory's cache in notary's own layout
// (tuf/<gun>/metadata/…), atomically and only once the whole update has
// verified, so that docker and notary keep reading it. Inspect gives what
// `docker trust inspect` prints, from the server or offline from the cache;
// Gather collects every metadata file of a repository for an archive.
//
// Servers and credentials come as the ecosystem has them: a server URL,
// a CA file (--tlscacert), the notary CLI's configuration file
// (trust_dir, remote_server, trust_pinning), and registry credentials from
// docker's config.json (auths, credsStore and credHelpers, through the
// real docker-credential-<name> helpers), used for basic auth or the
// registry token flow (401 with a Bearer challenge).
//
// Every response is read with a bound (MaxResponse); a larger body is an
// error, never a truncation. Errors about the server say what still works
// offline.
//
// It imports vault/tuf and vault/internal; nothing in the project imports
// it but the front ends. Test support: vault/remote/remotetest.
package remote
