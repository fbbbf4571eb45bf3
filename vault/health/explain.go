package health

// The error translator: an error message from docker or notary, pasted as
// it is, turned into its likely cause in this trust directory and what to
// do about it.

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// Causes the translator knows.
const (
	CauseRootTrust      = "root-trust"    // the cached root does not lead to the server's root
	CauseThreshold      = "threshold"     // metadata is not signed by enough trusted keys
	CauseMissingKey     = "missing-key"   // signing needs a key the client cannot use
	CauseKeyNotFound    = "key-not-found" // a key ID that no key file here has
	CauseWrongPass      = "wrong-passphrase"
	CauseNoPassphrase   = "no-passphrase" // no terminal and no passphrase variable
	CauseExpired        = "expired"
	CauseFileMode       = "file-mode"
	CauseImportNoPath   = "import-no-path"
	CauseNoTrustData    = "no-trust-data"
	CauseOffline        = "offline"
	CauseNotRecognised  = "not-recognised"
	explainMaxInputSize = 64 << 10
)

// Explanation is one likely cause of an error.
type Explanation struct {
	Cause string
	// Title says what the error means, in a line.
	Title string
	// Here is what this trust directory says about it: the keys and roles
	// the error is about, whether they are here, when they expire.
	Here []string
	// Fix says what to do.
	Fix string
	// KeyIDs, GUN and Role are what the error names, when it names them.
	KeyIDs []string
	GUN    string
	Role   string
}

// ExplainInput is the error text and what the translator looks at.
type ExplainInput struct {
	Text     string
	Now      time.Time
	TrustDir string
	Keys     []vault.Key
	Repos    []vault.Repository
	// Command is the trustvault command line the fixes start with (see
	// Input.Command).
	Command string
}

// Explain reads the store and explains text; see the function Explain.
func ExplainStore(s *vault.Store, text string, now time.Time, command string) []Explanation {
	keys, _ := s.Keys()
	repos, _ := vault.ReadRepositories(s.Dir(), keys)
	return Explain(ExplainInput{Text: text, Now: now, TrustDir: s.Dir(), Keys: keys, Repos: repos, Command: command})
}

// explainRule recognises one cause.
type explainRule struct {
	cause    string
	patterns []*regexp.Regexp
	explain  func(x *explainer, e *Explanation)
	// unless, when it matches, keeps the rule from applying.
	unless *regexp.Regexp
}

func res(exprs ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(exprs))
	for i, e := range exprs {
		out[i] = regexp.MustCompile(`(?i)` + e)
	}
	return out
}

// explainRules, most specific first: one error text often carries several
// (a root problem logged next to "could not reach" the server). They are
// compiled on first use: only explain needs them, and package init runs on
// every start of the binary.
var explainRules = sync.OnceValue(func() []explainRule {
	return []explainRule{
		{CauseRootTrust, res(`could not validate the path to a trusted root`, `could not rotate trust to a new trusted root`,
			`trust data mismatch`, `root rotation`, `failed to validate integrity of roots`), (*explainer).rootTrust, nil},
		{CauseThreshold, res(`did not meet threshold`, `insufficient signatures`), (*explainer).threshold, nil},
		{CauseMissingKey, res(`could not find necessary signing keys`, `signing keys not available`, `not enough signing keys`,
			`could not find signing keys for remote repository`, `signing keys for remote repository \S+ not found`,
			`was touch input provided`, `could not produce valid signature`), (*explainer).missingKey, nil},
		{CauseWrongPass, res(`passphrase incorrect`, `incorrect password`, `could not decrypt key\b`,
			`could not retrieve local key for key id provided`), (*explainer).wrongPassphrase, nil},
		{CauseKeyNotFound, res(`no key with id \S+ found`), (*explainer).keyNotFound, nil},
		{CauseNoPassphrase, res(`maximum number of passphrase attempts exceeded`, `use environment variables or stdin`,
			`too many attempts`), (*explainer).noPassphrase, nil},
		// A TLS certificate that expired is the server's, not the metadata's.
		{CauseOffline, res(`x509: certificate`, `tls: failed to verify`), (*explainer).offline, nil},
		{CauseExpired, res(`expired at`, `metadata for \w+ expired`, `out-of-date`, `\bexpired\b`), (*explainer).expired,
			regexp.MustCompile(`(?i)certificate has expired`)},
		{CauseFileMode, res(`must not be readable or writable by others`), (*explainer).fileMode, nil},
		{CauseImportNoPath, res(`does not contain path header`, `invalid key pem block`), (*explainer).importNoPath, nil},
		{CauseNoTrustData, res(`no valid trust data`, `no trust data for`, `no signatures or cannot access`,
			`does not have trust data`, `remote trust data does not exist`, `trust data missing for remote repository`), (*explainer).noTrustData, nil},
		{CauseOffline, res(`client is offline`, `error contacting notary server`, `could not reach`, `connection refused`,
			`no such host`, `i/o timeout`), (*explainer).offline, nil},
	}
})

// Explain recognises the causes in an error text, most specific first, and
// for each says what this trust directory knows about it and what to do.
// An error it does not recognise gets one general explanation.
func Explain(in ExplainInput) []Explanation {
	if len(in.Text) > explainMaxInputSize {
		in.Text = in.Text[:explainMaxInputSize]
	}
	x := newExplainer(in)
	var out []Explanation
	seen := map[string]bool{}
	for _, r := range explainRules() {
		if seen[r.cause] || !slices.ContainsFunc(r.patterns, func(p *regexp.Regexp) bool { return p.MatchString(in.Text) }) ||
			r.unless != nil && r.unless.MatchString(in.Text) {
			continue
		}
		seen[r.cause] = true
		e := Explanation{Cause: r.cause, KeyIDs: x.ids, GUN: x.gun, Role: x.role}
		r.explain(x, &e)
		out = append(out, e)
	}
	if len(out) == 0 {
		out = append(out, Explanation{
			Cause: CauseNotRecognised, KeyIDs: x.ids, GUN: x.gun, Role: x.role,
			Title: "trustvault does not recognise this error",
			Here:  x.keyFacts(),
			Fix:   "run " + x.tv("doctor") + " to see what in this trust directory needs attention; run the failing command again with -D (notary) or --debug (docker) for the underlying error",
		})
	}
	return out
}

// explainer carries what one error text names and the vault it is read
// against.
type explainer struct {
	in    ExplainInput
	text  string
	ids   []string // full key IDs named
	short []string // 7-digit IDs named ("with ID 10e52c9")
	gun   string
	role  string
	files map[string]vault.Key
}

// explainPatterns are the patterns that pick key IDs, GUNs and roles out of
// an error text, compiled on first use.
type explainPatterns struct {
	fullID, shortID *regexp.Regexp
	gun, role       []*regexp.Regexp
}

var explainRes = sync.OnceValue(func() explainPatterns {
	return explainPatterns{
		fullID:  regexp.MustCompile(`\b[0-9a-f]{64}\b`),
		shortID: regexp.MustCompile(`(?i)with ID ([0-9a-f]{7})\b`),
		gun: res(
			`remote repository (\S+?) out-of-date`,
			`(?:for|from) remote repository (\S+?)[:,]?(?:\s|$)`,
			`could not produce valid signature for (\S+?)\.\s`,
			`cannot access (\S+)`,
			`does not have trust data for (\S+)`,
			`remote trust data does not exist for (\S+?):?(?:\s|$)`,
			`could not remove signature for (\S+?):?(?:\s|$)`,
			`retrieving signers for (\S+?):?(?:\s|$)`,
		),
		role: res(
			`did not meet threshold for (\S+)`,
			`\b(root|targets(?:/[\w/-]+)?|snapshot|timestamp) expired at`,
			`metadata for (root|targets(?:/[\w/-]+)?|snapshot|timestamp) expired`,
			`for (root|targets|snapshot|timestamp|targets/[\w/-]+) key with ID`,
		),
	}
})

func newExplainer(in ExplainInput) *explainer {
	x := &explainer{in: in, text: in.Text, files: vault.FilesByID(in.Keys)}
	for _, id := range explainRes().fullID.FindAllString(in.Text, -1) {
		if !slices.Contains(x.ids, id) {
			x.ids = append(x.ids, id)
		}
	}
	for _, m := range explainRes().shortID.FindAllStringSubmatch(in.Text, -1) {
		s := strings.ToLower(m[1])
		if !slices.Contains(x.short, s) && !slices.ContainsFunc(x.ids, func(id string) bool { return strings.HasPrefix(id, s) }) {
			x.short = append(x.short, s)
		}
	}
	// A short ID that matches one key here stands for it.
	for _, s := range x.short {
		for id := range x.files {
			if strings.HasPrefix(id, s) && !slices.Contains(x.ids, id) {
				x.ids = append(x.ids, id)
			}
		}
	}
	for _, re := range explainRes().gun {
		if m := re.FindStringSubmatch(in.Text); m != nil {
			x.gun = repoOf(strings.TrimRight(m[1], ".,:;\"'"))
			break
		}
	}
	for _, re := range explainRes().role {
		if m := re.FindStringSubmatch(in.Text); m != nil {
			x.role = strings.TrimRight(m[1], ".,:;")
			break
		}
	}
	return x
}

// repoOf drops a tag or digest from an image reference:
// "host:5000/team/app:1.0" is "host:5000/team/app".
func repoOf(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// repo is the repository the error names, if its metadata is cached here.
func (x *explainer) repo() (vault.Repository, bool) { return findRepo(x.in.Repos, x.gun) }

// uses lists "role of gun" for every role here that names key id.
func (x *explainer) uses(id string) []string {
	var out []string
	for _, r := range x.in.Repos {
		for _, ri := range r.Roles {
			if slices.ContainsFunc(ri.Keys, func(k vault.RoleKey) bool { return k.ID == id }) {
				out = append(out, ri.Name+" of "+r.GUN)
			}
		}
	}
	return out
}

// keyFact says where a key the error names is, and what it is.
func (x *explainer) keyFact(id string) string {
	uses := x.uses(id)
	usedBy := ""
	if len(uses) > 0 {
		usedBy = " (" + strings.Join(uses, ", ") + ")"
	}
	if k, ok := x.files[id]; ok {
		return fmt.Sprintf("key %s%s is in this trust directory: %s, %s", vault.ShortID(id), usedBy, k.Path, k.Encryption.Summary())
	}
	if len(uses) > 0 {
		return fmt.Sprintf("key %s%s is not in this trust directory", vault.ShortID(id), usedBy)
	}
	return fmt.Sprintf("key %s is neither in this trust directory nor named by any metadata cached here", vault.ShortID(id))
}

func (x *explainer) keyFacts() []string {
	var out []string
	for _, id := range x.ids {
		out = append(out, x.keyFact(id))
	}
	for _, s := range x.short {
		out = append(out, fmt.Sprintf("no key here starts with %s", s))
	}
	return out
}

// passphraseVars names the variables docker and notary read for a role.
func passphraseVars(role string) string {
	switch keyrole.KindOf(role) {
	case keyrole.Root:
		return "NOTARY_ROOT_PASSPHRASE (notary) or DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE (docker)"
	case keyrole.Targets:
		return "NOTARY_TARGETS_PASSPHRASE (notary) or DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE (docker)"
	case keyrole.Snapshot:
		return "NOTARY_SNAPSHOT_PASSPHRASE (notary) or DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE (docker)"
	default:
		return "NOTARY_DELEGATION_PASSPHRASE (notary) or DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE (docker, which uses it for every key but root)"
	}
}

func (x *explainer) rootTrust(e *Explanation) {
	e.Title = "the root this machine trusts does not lead to the root the server now shows"
	e.Here = x.keyFacts()
	if r, ok := x.repo(); ok {
		if ri, ok := r.Role("root"); ok && len(ri.Keys) > 0 {
			e.Here = append(e.Here, fmt.Sprintf("the cached root of %s names root key %s (version %d)", r.GUN, vault.ShortID(ri.Keys[0].ID), ri.Version))
		}
	} else if x.gun != "" {
		e.Here = append(e.Here, "no metadata of "+x.gun+" is cached here")
	}
	gun := orPlaceholder(x.gun)
	e.Fix = "the publisher changed the root key without signing the change with the old one (a reset after a lost root key), or the data was tampered with. " +
		"Ask the publisher, through a channel you trust, for the new root key's ID; only if it matches, remove the cached trust data and pull again: rm -rf " +
		filepath.Join(x.trustDir(), "tuf", gun) + ". If you are the publisher and lost the root key, read " + x.tv("guide root --gun "+gun)
}

func (x *explainer) threshold(e *Explanation) {
	e.Title = "metadata is not signed by enough of the keys the root trusts"
	e.Here = x.keyFacts()
	if r, ok := x.repo(); ok {
		role := x.role
		if role == "" {
			role = "root"
		}
		if ri, ok := r.Role(role); ok {
			here := 0
			for _, k := range ri.Keys {
				if k.Location == vault.LocationFile || k.Location == vault.LocationToken {
					here++
				}
			}
			e.Here = append(e.Here, fmt.Sprintf("the cached metadata of %s says %s needs %d of %d keys; %d of them are here", r.GUN, ri.Name, ri.Threshold, len(ri.Keys), here))
		}
	} else if x.gun != "" {
		e.Here = append(e.Here, "no metadata of "+x.gun+" is cached here")
	}
	gun := orPlaceholder(x.gun)
	e.Fix = "if you pull: the publisher's keys changed without a signed rotation (often a reset after a lost root key) or the data was tampered with; check with the publisher before trusting it again. " +
		"If you publish: sign the role again with a key the root names (notary -s SERVER -d " + x.trustDir() + " witness --publish " + gun + " " + or(x.role, "ROLE") +
		"); if that key is lost, rotate it with the root (or parent) key: " + x.tv("rotate "+gun+" "+or(x.role, "ROLE")) + " (" + x.tv("guide "+or(x.role, "ROLE")+" --gun "+gun) + " explains)"
}

func (x *explainer) missingKey(e *Explanation) {
	e.Title = "signing needs a key that docker or notary could not use"
	if strings.Contains(strings.ToLower(x.text), "touch") {
		e.Title = "signing failed: the Yubikey hint is docker's guess; the usual cause is a key that is not here or did not decrypt"
	}
	e.Here = x.keyFacts()
	var fixes []string
	anyHere, anyAway := false, false
	for _, id := range x.ids {
		if _, ok := x.files[id]; ok {
			anyHere = true
		} else {
			anyAway = true
		}
	}
	if len(x.ids) == 0 {
		if r, ok := x.repo(); ok {
			for _, ri := range r.Roles {
				for _, k := range ri.Keys {
					if k.Location == vault.LocationMissing {
						anyAway = true
						e.Here = append(e.Here, fmt.Sprintf("the %s key %s of %s is not here", ri.Name, vault.ShortID(k.ID), r.GUN))
					}
				}
			}
		}
	}
	if anyHere {
		fixes = append(fixes, "the key is here, so the client could not decrypt it or looked elsewhere: check the passphrase variable ("+
			passphraseVars(x.roleOfFirstKey())+"), and that the client uses this directory (docker: $DOCKER_CONFIG/trust; notary: -d "+x.trustDir()+", its default is ~/.notary)")
	}
	if anyAway || !anyHere {
		subject := or(x.role, "ROLE")
		if len(x.ids) > 0 {
			subject = vault.ShortID(x.ids[0])
		}
		fixes = append(fixes, "a key that is not here must be brought back ("+x.tv("import FILE")+" from a backup) or replaced: "+x.tv("guide "+subject+" --gun "+orPlaceholder(x.gun)))
	}
	if strings.Contains(strings.ToLower(x.text), "touch") {
		fixes = append(fixes, "if the key really is on a Yubikey, touch it when it blinks (15 seconds)")
	}
	e.Fix = strings.Join(fixes, "; ")
}

// roleOfFirstKey is the role of the first key the error names.
func (x *explainer) roleOfFirstKey() string {
	for _, id := range x.ids {
		if k, ok := x.files[id]; ok && k.Role != "" {
			return k.Role
		}
	}
	return x.role
}

func (x *explainer) wrongPassphrase(e *Explanation) {
	e.Title = "a key did not decrypt with the passphrase given"
	e.Here = x.keyFacts()
	retrieve := strings.Contains(strings.ToLower(x.text), "could not retrieve local key")
	here := false
	for _, id := range x.ids {
		if _, ok := x.files[id]; ok {
			here = true
		}
	}
	if retrieve && !here && len(x.ids) > 0 {
		// notary says the same words when the key is not in the
		// directory it reads.
		e.Cause = CauseKeyNotFound
		e.Title = "notary found no key file with this ID in the directory it reads"
		e.Fix = "point notary at the trust directory that holds it (notary -d " + x.trustDir() + "; its default is ~/.notary, docker's is ~/.docker/trust), or bring the key back from a backup (" + x.tv("import FILE") + ")"
		return
	}
	vars := passphraseVars(x.roleOfFirstKey())
	if strings.Contains(x.text, "could not decrypt key") && len(x.ids) == 0 {
		vars = "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE (docker trust key load asks for the file's own passphrase)"
	}
	e.Fix = "give the key's own passphrase: set " + vars + ", or type it at the prompt; a variable that is set but wrong is tried twice and then the command fails. " +
		"An OpenSSL PKCS#8 file made with hmacWithSHA256 fails the same way even with the right passphrase: re-encrypt it with -v2prf hmacWithSHA1, or import it with " + x.tv("import")
	if here {
		e.Fix += ". To check the passphrase without changing anything: " + x.tv("export --public "+vault.ShortID(x.ids[0]))
	}
}

func (x *explainer) keyNotFound(e *Explanation) {
	e.Title = "no key file has this ID in the directory the client reads"
	e.Here = x.keyFacts()
	e.Fix = "check the ID (" + x.tv("list") + " shows every key here) and the directory (notary -d " + x.trustDir() + "; notary's default is ~/.notary)"
}

func (x *explainer) noPassphrase(e *Explanation) {
	e.Title = "the client had no passphrase: no terminal to ask on, and no variable set"
	e.Here = x.keyFacts()
	e.Fix = "in scripts and CI set the passphrase variables: NOTARY_ROOT_PASSPHRASE, NOTARY_TARGETS_PASSPHRASE, NOTARY_SNAPSHOT_PASSPHRASE, NOTARY_DELEGATION_PASSPHRASE (notary); " +
		"DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE and DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE (docker); or run the command in a terminal"
}

func (x *explainer) expired(e *Explanation) {
	e.Title = "trust metadata has expired"
	e.Here = x.keyFacts()
	var roles []string
	for _, r := range x.in.Repos {
		if x.gun != "" && r.GUN != x.gun {
			continue
		}
		for _, ri := range r.Roles {
			if ri.Expires.IsZero() || (x.role != "" && ri.Name != x.role) {
				continue
			}
			left := ri.Expires.Sub(x.in.Now)
			date := ri.Expires.UTC().Format(time.DateOnly)
			switch {
			case left <= 0:
				roles = append(roles, fmt.Sprintf("the cached %s of %s expired on %s", ri.Name, r.GUN, date))
			case x.gun != "" || left < ExpirySoon:
				roles = append(roles, fmt.Sprintf("the cached %s of %s expires on %s", ri.Name, r.GUN, date))
			}
		}
	}
	e.Here = append(e.Here, roles...)
	gun, role := orPlaceholder(x.gun), x.role
	switch keyrole.KindOf(role) {
	case keyrole.Timestamp:
		e.Fix = "the notary server renews the timestamp by itself, so an expired one means the client could not fetch a fresh one (the server is unreachable: check DOCKER_CONTENT_TRUST_SERVER or notary -s), " +
			"the server stopped signing (its operator must look), or this machine's clock is wrong"
	default:
		if role == "" {
			role = "targets"
		}
		e.Fix = "re-sign the role with its key and publish: notary -s SERVER -d " + x.trustDir() + " witness --publish " + gun + " " + role +
			" (docker trust sign also re-signs when it signs a tag); " + x.tv("doctor") + " warns 90 and 30 days ahead"
	}
}

func (x *explainer) fileMode(e *Explanation) {
	e.Title = "docker refuses a key file that other users may read or write"
	e.Here = x.keyFacts()
	file := "FILE"
	if m := regexp.MustCompile(`private key file (\S+) must not`).FindStringSubmatch(x.text); m != nil {
		file = m[1]
	}
	e.Fix = "chmod 600 " + file + ", then load it again"
}

func (x *explainer) importNoPath(e *Explanation) {
	e.Title = "notary imports an encrypted key only with a path header naming its ID"
	e.Here = x.keyFacts()
	e.Fix = "import it with " + x.tv("import FILE") + ", which decrypts it, works out its ID and writes it as notary does; or export it again with notary key export, which adds the header"
}

func (x *explainer) noTrustData(e *Explanation) {
	e.Title = "the server has no signed data for this repository or tag, or could not be reached"
	e.Here = x.keyFacts()
	if r, ok := x.repo(); ok {
		e.Here = append(e.Here, fmt.Sprintf("metadata of %s is cached here (%d roles)", r.GUN, len(r.Roles)))
	} else if x.gun != "" {
		e.Here = append(e.Here, "no metadata of "+x.gun+" is cached here: this machine never signed or pulled it with content trust")
	}
	e.Fix = "sign the tag (" + x.tv("sign "+orPlaceholder(x.gun)+":TAG") + ", or docker trust sign before docker 29) or pull a tag that is signed (" +
		x.tv("inspect "+orPlaceholder(x.gun)) + " lists them); check that DOCKER_CONTENT_TRUST_SERVER points at the repository's notary server"
}

func (x *explainer) offline(e *Explanation) {
	e.Title = "the notary server could not be reached"
	e.Here = x.keyFacts()
	if r, ok := x.repo(); ok {
		e.Here = append(e.Here, "metadata of "+r.GUN+" is cached here: reads work offline until it expires")
	}
	e.Fix = "check the server address (DOCKER_CONTENT_TRUST_SERVER for docker, notary -s or its config for notary), the network and the server's TLS certificate; signing and rotating need the server"
}

// tv is a trustvault command line on the trust directory (see
// ExplainInput.Command).
func (x *explainer) tv(args string) string { return command(x.in.Command, args) }

func (x *explainer) trustDir() string {
	if x.in.TrustDir == "" {
		return "~/.docker/trust"
	}
	return x.in.TrustDir
}

func orPlaceholder(s string) string { return or(s, "GUN") }

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
