package ui

// The signed tags tab of the repository page: every tag the cached trust
// data signs, verified offline as `trustvault inspect --offline` does
// (remote.VerifyCache: the root chain, signatures, thresholds, hashes and
// expiry), with its digest, size and the roles that signed it; docker's
// signers and the administrative keys below; the selected tag in full at
// the bottom. The reading, the pull (P) and the archive (A) are in
// repo_trust.go and repo_archive.go.

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/tuf"
)

// tagRow is one signed tag as `notary list` shows it (the first role that
// signs it, in the order notary walks the delegations, with its digest and
// size), and who else signs it.
type tagRow struct {
	name   string
	digest string // hex SHA-256
	size   int64
	role   string // the first role that signs it (notary list's ROLE)
	// signers are the roles that sign this digest, in walk order.
	signers []string
	// others are roles that sign the tag with another digest.
	others []string
	// pulled is the digest docker pull takes with content trust
	// (targets/releases, then targets), pulledFrom the role it comes
	// from; "" when neither signs the tag.
	pulled, pulledFrom string
}

// tagRows are a verified repository's signed tags, by name. A role's
// entry for a name outside its delegated paths is not signed by it, as
// notary's client sees it.
func tagRows(repo *tuf.Repo) []tagRow {
	byName := map[string]*tagRow{}
	var names []string
	for _, t := range repo.AllTargets("") {
		if !t.Role.CheckPath(t.Name) {
			continue
		}
		d := hex.EncodeToString(t.Meta.Hashes["sha256"])
		r, ok := byName[t.Name]
		if !ok {
			r = &tagRow{name: t.Name, digest: d, size: t.Meta.Length, role: t.Role.Name}
			byName[t.Name] = r
			names = append(names, t.Name)
		}
		switch {
		case d != r.digest:
			r.others = append(r.others, t.Role.Name+" (sha256:"+vault.ShortID(d)+"…)")
		case !slices.Contains(r.signers, t.Role.Name):
			r.signers = append(r.signers, t.Role.Name)
		}
	}
	slices.Sort(names)
	out := make([]tagRow, 0, len(names))
	for _, n := range names {
		r := byName[n]
		if ref, ok := remote.PullTarget(repo, n); ok {
			r.pulled, r.pulledFrom = hex.EncodeToString(ref.Meta.Hashes["sha256"]), ref.Role.Name
		}
		out = append(out, *r)
	}
	return out
}

// roleNames shortens role names as docker does ("targets/alice" is
// alice); targets itself stays.
func roleNames(roles []string) string {
	out := make([]string, len(roles))
	for i, r := range roles {
		if s, ok := strings.CutPrefix(r, "targets/"); ok {
			r = s
		}
		out[i] = r
	}
	return strings.Join(out, ", ")
}

// tagsLegend is what the signed tags tab's columns and words mean.
const tagsLegend = "Signed tags: every tag the cached trust data signs, verified offline (signatures, thresholds, " +
	"hashes, expiry) as trustvault inspect --offline does; the tag, digest, size and role are what notary list shows. " +
	"SIGNED BY: the roles whose signature covers that digest (releases is targets/releases, alice targets/alice). " +
	"Not released: only a delegation below them signs it; docker pull with content trust takes a tag only from " +
	"targets/releases or targets.\n" +
	"P pulls from the server (as trustvault pull does) and says what changed; A archives the trust data " +
	"(as trustvault archive does) into a file that verifies offline after the server is gone."

// trustReading is a repository's cached trust data, verified offline.
type trustReading struct {
	// empty: nothing is cached for the repository.
	empty bool
	// err: the cache did not verify (and nothing is shown as signed).
	err  error
	repo *tuf.Repo
	info remote.TrustInspect
	rows []tagRow
	// expired is set when the data verified only as of a time before it
	// expired (repo.At), not now.
	expired *tuf.ExpiredError
	// freshness says which time was used and what that means.
	freshness string
}

// expiredTries bounds how often a reading steps back before an expiry:
// each try moves before the expiry the last one met.
const expiredTries = 4

// readTrust verifies gun's cache offline at now, or once it has expired
// as of before it expired (verifyAsOf), and says which. source names the
// cache for the words; pulled: a pull has just verified and written it.
func readTrust(o remote.Options, source string, now time.Time, pulled bool) trustReading {
	files, err := remote.ReadCache(o.TrustDir, o.GUN)
	if err != nil {
		return trustReading{err: err}
	}
	if len(files) == 0 {
		return trustReading{empty: true}
	}
	var repo *tuf.Repo
	at, expired, err := verifyAsOf(now, func(at time.Time) error {
		o.At = at
		var err error
		repo, err = remote.VerifyCache(o)
		return err
	})
	if err != nil {
		return trustReading{err: err}
	}
	r := trustReading{repo: repo, info: remote.InspectRepo(o.GUN, repo), rows: tagRows(repo), expired: expired}
	r.freshness = remote.Freshness(source, repo, asOfWhy(at, now, expired), pulled && expired == nil, now)
	return r
}

// verifyAsOf runs verify with expiry checked at now; once the metadata
// has expired, as of an hour before the expiry it met (as the command
// line's --at advice does), stepping back at most expiredTries times. It
// returns the time used and the expiry stepped back from (nil: now).
func verifyAsOf(now time.Time, verify func(at time.Time) error) (time.Time, *tuf.ExpiredError, error) {
	at := now
	err := verify(at)
	var expired *tuf.ExpiredError
	for i := 0; i < expiredTries && errors.As(err, &expired); i++ {
		at = expired.Expires.Add(-time.Hour)
		err = verify(at)
	}
	if at.Equal(now) {
		expired = nil
	}
	return at, expired, err
}

// asOfWhy says why expiry was checked at another time than now.
func asOfWhy(at, now time.Time, expired *tuf.ExpiredError) string {
	if expired == nil || at.Equal(now) {
		return ""
	}
	return "an hour before its " + expired.Role + " expired"
}

// trustLineKind is what one line of the tab is.
type trustLineKind int

const (
	tlHeading trustLineKind = iota
	tlText                  // plain words
	tlWarn                  // words that warn
	tlBad                   // words about a failure
	tlColumns               // the tag table's column header
	tlTag                   // a tag: selectable
)

// trustLine is one line of the tab.
type trustLine struct {
	kind trustLineKind
	text string // heading, words (one wrapped line) or column header
	row  int    // tlTag: the index in the reading's rows
}

// Tag table columns.
const (
	tagDigestWidth = 14 // "sha256:" and 7 hex digits
	tagSizeWidth   = 8
)

// trustLines lay out the tab: the last pull's or archive's report, then
// the signed tags (or why there are none), the signers and the
// administrative keys, wrapped to width.
func (t *repoTrust) trustLines(gun string, width int) []trustLine {
	var lines []trustLine
	add := func(kind trustLineKind, text string) {
		w := max(width-indentWidth, 16)
		for _, l := range strings.Split(wrap(text, w), "\n") {
			lines = append(lines, trustLine{kind: kind, text: l})
		}
	}
	if t.report != nil {
		lines = append(lines, trustLine{kind: tlHeading, text: t.report.title})
		for _, l := range t.report.lines {
			add(t.report.kind, strings.TrimPrefix(l, "  "))
		}
		lines = append(lines, trustLine{kind: tlText})
	}
	r := t.reading
	switch {
	case !t.loaded:
		lines = append(lines, trustLine{kind: tlHeading, text: "SIGNED TAGS"})
		add(tlText, "Verifying the cached trust data…")
	case r.empty:
		lines = append(lines, trustLine{kind: tlHeading, text: "SIGNED TAGS"})
		add(tlText, "No trust data is cached for "+gun+" in this trust directory, so there is nothing to verify offline and no tag to show.")
		add(tlText, t.pullAdvice)
	case r.err != nil:
		lines = append(lines, trustLine{kind: tlHeading, text: "SIGNED TAGS"})
		add(tlBad, "The cached trust data does not verify, so no tag is shown as signed: "+r.err.Error())
		add(tlText, t.pullAdvice)
	default:
		lines = append(lines, trustLine{kind: tlHeading, text: "SIGNED TAGS  " + plural(len(r.rows), "tag", "tags")})
		kind := tlText
		if r.expired != nil {
			kind = tlWarn
		}
		add(kind, r.freshness)
		add(tlText, t.pullAdvice)
		lines = append(lines, tagTableLines(r)...)
		lines = append(lines, signerLines(r.info, r.repo)...)
	}
	return lines
}

// tagTableLines are the column header and a line per tag.
func tagTableLines(r trustReading) []trustLine {
	if len(r.rows) == 0 {
		return []trustLine{{kind: tlText, text: "No tag is signed."}}
	}
	out := []trustLine{{kind: tlColumns}}
	for i := range r.rows {
		out = append(out, trustLine{kind: tlTag, row: i})
	}
	return out
}

// signerLines are docker's signers (delegations with their keys) and the
// root and repository keys, by the key IDs the keys tab shows.
func signerLines(info remote.TrustInspect, repo *tuf.Repo) []trustLine {
	var lines []trustLine
	add := func(kind trustLineKind, text string) { lines = append(lines, trustLine{kind: kind, text: text}) }
	add(tlText, "")
	if len(info.Signers) == 0 {
		add(tlHeading, "SIGNERS  none: only the repository's targets key signs")
	} else {
		add(tlHeading, "SIGNERS  "+plural(len(info.Signers), "delegation", "delegations"))
		for _, s := range info.Signers {
			add(tlText, s.Name+": "+signerKeyIDs(repo, s.Keys))
		}
	}
	add(tlText, "")
	add(tlHeading, "ADMINISTRATIVE KEYS")
	for _, k := range info.AdministrativeKeys {
		add(tlText, k.Name+": "+signerKeyIDs(repo, k.Keys))
	}
	return lines
}

// signerKeyIDs are key IDs as the keys tab shows them: docker names a
// key by its TUF ID, which for a certificate (a root key's, a signer's
// added from a .crt) is not the key's own ID.
func signerKeyIDs(repo *tuf.Repo, keys []remote.KeyRef) string {
	if len(keys) == 0 {
		return "no keys"
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = vault.ShortID(canonicalKeyID(repo, k.ID))
	}
	return strings.Join(ids, ", ")
}

// canonicalKeyID is the canonical ID of the key repo's root or a
// delegation lists under the TUF ID id; id itself when none does.
func canonicalKeyID(repo *tuf.Repo, id string) string {
	if repo == nil {
		return id
	}
	maps := []map[string]tuf.Key{repo.Root.Keys}
	for _, d := range repo.Roles {
		maps = append(maps, d.Keys)
	}
	for _, keys := range maps {
		if k, ok := keys[id]; ok {
			if c, err := k.CanonicalID(); err == nil {
				return c
			}
		}
	}
	return id
}

// renderTrustLine draws one line of the tab.
func (t *repoTrust) renderTrustLine(st Styles, l trustLine, selected bool, width int) string {
	indent := strings.Repeat(" ", indentWidth)
	switch l.kind {
	case tlHeading:
		return truncate(st.Heading.Render(l.text), width)
	case tlWarn:
		return truncate(indent+st.Warn.Render(l.text), width)
	case tlBad:
		return truncate(indent+st.Bad.Render(l.text), width)
	case tlColumns:
		nameW := min(t.longestTag, max(width/3, 8))
		return truncate(st.ColumnHeader.Render(indent+pad("TAG", nameW)+gap()+pad("DIGEST", tagDigestWidth)+gap()+
			pad("SIZE", tagSizeWidth)+gap()+"SIGNED BY"), width)
	case tlTag:
		return t.renderTag(st, t.reading.rows[l.row], selected, width)
	}
	return truncate(indent+l.text, width)
}

// longestTagName is the widest tag name (at least the column's title).
func longestTagName(rows []tagRow) int {
	w := len("TAG")
	for _, r := range rows {
		w = max(w, textWidth(visible(r.name)))
	}
	return w
}

func (t *repoTrust) renderTag(st Styles, r tagRow, selected bool, width int) string {
	marker := "  "
	if selected {
		marker = "▸ "
	}
	nameW := min(t.longestTag, max(width/3, 8))
	who := visible(roleNames(r.signers))
	note := ""
	switch {
	case r.pulled == "":
		note = " · not released: docker pull does not take it"
	case r.pulled != r.digest:
		note = " · docker pull takes another digest"
	}
	line := marker + strings.Repeat(" ", indentWidth-markerWidth) + pad(middleTruncate(visible(r.name), nameW), nameW) + gap() +
		pad("sha256:"+vault.ShortID(r.digest), tagDigestWidth) + gap() + pad(vault.SizeString(uint64(max(r.size, 0))), tagSizeWidth) + gap()
	if selected {
		return st.Selected.Render(fit(line+who+note, width))
	}
	return truncate(line+who+st.Warn.Render(note), width)
}

// tagDetail is the selected tag in full: its whole digest and size, who
// signs it with which keys, and what docker pull takes.
func tagDetail(r tagRow, repo *tuf.Repo) []string {
	out := []string{fmt.Sprintf("%s  sha256:%s  %s bytes", visible(r.name), visible(r.digest), thousands(int(r.size)))}
	var who []string
	for _, role := range r.signers {
		who = append(who, role+" (key "+roleKeyIDs(repo, role)+")")
	}
	out = append(out, visible("Signed by "+strings.Join(who, ", ")+"."))
	if len(r.others) > 0 {
		out = append(out, visible("Signed with another digest by "+strings.Join(r.others, ", ")+"."))
	}
	switch {
	case r.pulled == "":
		out = append(out, "Not released: neither targets nor targets/releases signs it, so docker pull with content trust does not take it.")
	case r.pulled == r.digest:
		out = append(out, "docker pull with content trust takes this digest (from "+r.pulledFrom+").")
	default:
		out = append(out, "docker pull with content trust takes sha256:"+r.pulled+" (from "+r.pulledFrom+"), not this digest.")
	}
	return out
}

// roleKeyIDs are a role's key IDs (canonical, as the keys tab shows them).
func roleKeyIDs(repo *tuf.Repo, role string) string {
	var ids []string
	if role == "targets" {
		ids = repo.Root.Roles["targets"].KeyIDs
	} else if d, ok := repo.Role(role); ok {
		ids = d.KeyIDs
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, vault.ShortID(canonicalKeyID(repo, id)))
	}
	if len(out) == 0 {
		return "unknown"
	}
	return strings.Join(out, ", ")
}
