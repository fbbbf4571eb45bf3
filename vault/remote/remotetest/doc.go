// Package remotetest runs a real notary-server v0.7.0 for tests, on
// 127.0.0.1, with the real notary CLI and docker CLI to publish to it and
// read from it. It is test support, like hardware/pivtest: import it from
// _test.go files only. It may import the standard library only.
//
//	rig := remotetest.Start(t, remotetest.Options{})  // or {Auth: remotetest.TokenAuth}
//	n := rig.NewNotary(t)                              // notary CLI, fresh trust dir
//	n.Init("registry.test/team/app")
//	v1 := n.AddTag("registry.test/team/app", "v1", []byte("…"))
//	n.Rotate("registry.test/team/app", "snapshot", true)
//	inspect := rig.NewDocker(t).TrustInspect("registry.test/team/app")
//	// the code under test talks to rig.URL, trusting rig.CAFile
//
// # What runs
//
// notary-server and notary-signer are built by .ci/setup into .tools/bin
// from the notary v0.7.0 module source with one fix (notary#1630: since
// Go 1.17 multipart.Part.FileName drops "targets/" from a delegation's
// filename, so an unpatched server rejects every delegation publish with
// "invalid role"; the rig's build reads the raw filename from the part's
// Content-Disposition). TestNotaryPublishesDelegationsToTheRig fails
// against an unpatched server ("trust server rejected operation" when the
// first delegation role is published).
//
// The rig makes its own CA at test time (notary's fixture certificates
// expired in 2021) and certificates for 127.0.0.1, ::1 and localhost. The
// server keeps metadata in memory (storage "memory") and holds its keys in
// a real notary-signer over mutual TLS (trust_service "remote",
// key_algorithm ecdsa, as Docker Hub's notary did). Options.Signer =
// LocalSigner uses notary-server's in-process signer instead (ED25519
// keys only). Start takes about a second; the tests in this package take
// about 20 s together on two cores.
//
// Start skips the test when the binaries are missing, or fails it under
// TRUSTVAULT_REQUIRE_INTEROP=1. Logs go to t.TempDir and are printed (the
// last 16 KiB of each) when the test fails. Stop ends the server early, for
// tests of a server that is gone. StartProxy puts a recording reverse
// proxy in front of the server, which can also fail chosen requests.
//
// With caching off (the default; Options.Caching keeps notary's), every
// metadata response carries "Cache-Control: max-age=0, no-cache,
// no-store"; notary's defaults are max-age 300 s for current metadata and
// 30 days for consistent (by-hash, by-version) downloads.
//
// # The server API, as observed against this rig
//
// Every path is under /v2/<gun>/_trust/tuf/; a GUN is a path with slashes
// ("registry.test/team/app").
//
//	GET  /v2/                                      200 "{}" (or 401 with a challenge; clients ping it first)
//	GET  …/root.json, targets.json, snapshot.json, timestamp.json,
//	     targets/releases.json, targets/releases/team.json    current version
//	GET  …/<role>.<hex sha256>.json                the version with that hash (also 96 or 128 hex
//	                                                digits for sha384, sha512); clients download
//	                                                snapshot, targets and delegations this way,
//	                                                with the hash from the parent's meta
//	GET  …/<version>.<role>.json                   that version ("2.root.json": version FIRST);
//	                                                every root version stays downloadable
//	GET  …/timestamp.key, …/snapshot.key           the server-held public key; needs push+pull
//	                                                access. It CREATES the key when there is none
//	                                                (a GET of snapshot.key on a repository whose
//	                                                snapshot key is local still answers 200)
//	POST …/timestamp.key, …/snapshot.key           rotate the server-held key (access "*"); what
//	                                                notary key rotate GUN snapshot -r sends
//	POST …/                                         publish: multipart/form-data, one part per role
//	DELETE …/                                       delete the repository (access "*"); 200, empty body
//
// Metadata is served with "Content-Type: text/plain; charset=utf-8" (not
// JSON). Errors are JSON: 404 {"errors":[{"code":"METADATA_NOT_FOUND",
// "message":"You have requested metadata that does not exist.",
// "detail":{}}]}; a refused publish is 400 {"errors":[{"code":
// "INVALID_UPDATE","message":"Update sent by the client is invalid.",
// "detail":{"Name":"ErrBadTargets","Error":{"Msg":"tuf: data has no
// signatures"}}}]}.
//
// A publish, as the notary CLI sends it (TestPublishRequests): every part
// has form name "files", Content-Type application/octet-stream, and the
// filename is the role name WITHOUT ".json" ("root", "targets",
// "snapshot", "targets/releases"); the body is the signed JSON file. The
// server accepts or refuses the whole set. notary init sends root,
// targets and snapshot (the timestamp is made by the server, whose key the
// client first fetched with GET timestamp.key); a delegation change sends
// targets and snapshot; a tag in targets/releases sends targets/releases
// and snapshot. With the snapshot key on the server, the client sends no
// snapshot and the server makes it.
//
// The files (all canonical JSON, {"signed":…,"signatures":[{"keyid",
// "method":"ecdsa","sig":base64 r‖s}]}):
//
//	root.json      {"_type":"Root","consistent_snapshot":false,"expires",
//	               "keys":{id:{"keytype","keyval":{"private":null,"public"}}},
//	               "roles":{"root"|"targets"|"snapshot"|"timestamp":{"keyids":[…],"threshold":1}},
//	               "version"}. The root key is "ecdsa-x509" (public: base64 of a PEM
//	               certificate, CN = GUN); the others are "ecdsa" (base64 of PKIX DER) from
//	               the notary CLI and notary-signer ("ed25519" from the local signer).
//	timestamp.json {"_type":"Timestamp","expires","meta":{"snapshot":{"hashes":
//	               {"sha256","sha512"},"length"}},"version"}: meta keys are role names
//	               without ".json"; hashes are base64 (the hex of the sha256 names the
//	               consistent download). Expires 14 days on.
//	snapshot.json  {"_type":"Snapshot","expires","meta":{"root"|"targets"|"targets/releases"|…:
//	               {hashes,length}},"version"}; expires 3 years on (root 10 years).
//	targets.json   {"_type":"Targets","delegations":{"keys":{…},"roles":[{"keyids","name",
//	               "paths","threshold"}]},"expires","targets":{tag:{"hashes":{"sha256",
//	               "sha512"},"length"}},"version"}; delegation keys are "ecdsa-x509" (the
//	               certificate given to notary delegation add); --all-paths is "paths":[""].
//	               A delegation's own file has the same shape, holding its children.
//	<role>.key     {"keytype":"ecdsa","keyval":{"public":base64 PKIX DER,"private":null}}
//
// Root rotation (`notary key rotate GUN root`, after a "yes") signs the
// new root with the old and the new root key; root.json's version goes up
// by one for each rotation and for each change of a base role's keys.
//
// # Token authentication
//
// With Options{Auth: TokenAuth} notary-server is configured with
// auth.type "token" (realm, service "notary-rig", issuer
// "trustvault-rig-issuer", rootcertbundle: the rig's CA) and the rig runs
// the token issuer, written here. The real server verifies the tokens: a
// forged signature is refused. Observed:
//
//	GET …/root.json            401, WWW-Authenticate: Bearer realm="https://127.0.0.1:P/token",
//	                           service="notary-rig",scope="repository:<gun>:pull"
//	POST …/ (publish)          scope "repository:<gun>:push,pull" or ":pull,push" (the order
//	                           varies from request to request); a token without the
//	                           actions gets 401 with the same challenge plus
//	                           error="insufficient_scope"
//	GET …/<role>.key           push,pull; DELETE …/ and POST …/<role>.key: "*"
//	GET <realm>?service=…&scope=…  with basic auth: {"token","access_token","expires_in",
//	                           "issued_at"}; the token is an ES256 JWT whose header has
//	                           "x5c" (a certificate chaining to rootcertbundle) and whose
//	                           claims have iss, sub, aud (= service), exp, nbf, iat, jti,
//	                           access [{type:"repository",name:<gun>,actions:[…]}]
//
// Without basic auth the issuer gives a token granting nothing (or pull,
// with Options.AnonymousPull), as registries give anonymous clients one:
// the notary CLI reads anonymously first and retries with its credentials
// only after a 401 from the server (a refused token request ends it). Wrong
// credentials get 401 from the issuer. The notary CLI takes its
// credentials from NOTARY_AUTH (base64 of user:password; Notary.Login);
// docker from $DOCKER_CONFIG/config.json "auths" under the registry host
// of the image name (Docker.Login). Issuer.Requests records what was asked.
//
// # docker trust inspect, as observed (docker CLI 28.2.2, no daemon)
//
// DOCKER_CONTENT_TRUST_SERVER must be an https URL; docker trusts the CAs
// in $DOCKER_CONFIG/tls/<host:port of that URL>/*.crt and keeps its own
// cache in $DOCKER_CONFIG/trust. It shows the tags of targets and
// targets/releases only (not those of deeper roles or other delegations);
// a tag's Signers are the other delegations of targets, nested ones
// included, whose metadata hold the same target ("targets/alice" is
// "alice", "targets/alice/bob" is "alice/bob"; checked by vault/remote's
// TestPullInspectMatchesDocker), or "Repo Admin" when there are none. Signers lists every delegation but targets/releases by
// its name without "targets/" ("releases/team"), with the canonical key
// IDs of its keys (what notary key list prints; not the certificate key
// IDs in the metadata). AdministrativeKeys are "Root", with the key ID
// root.json lists (the certificate's), and "Repository", the targets key ID.
//
// # notary CLI facts
//
// `notary list GUN --roles R` lists R's targets and those of R's
// delegations. A root rotation asks "yes/no" on stdin. `notary delete GUN
// --remote` also wipes the local cache of the GUN. `notary key rotate GUN
// snapshot|timestamp -r` moves the key to the server.
package remotetest
