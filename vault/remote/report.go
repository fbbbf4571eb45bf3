package remote

// The words for what a pull changed and for how fresh verified metadata
// is, shared by the command line (pull, inspect, archive verify) and the
// interactive view, so that both say the same thing.

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault/tuf"
)

// Lines say what a pull changed, one a line as `trustvault pull` prints
// them (detail lines indented by two spaces): the first pull and how its
// root was trusted (pinning: checked against the config's trust_pinning,
// else trusted on first use), or "up to date", or the new versions,
// rotated keys, delegations and tags; then the delegations left out, the
// warnings and what was written into the cache.
func (u *Update) Lines(pinning bool) []string {
	var out []string
	ts := u.Repo.Timestamp
	fresh := ts.Expires.UTC().Format(time.RFC3339)
	switch {
	case u.First:
		how := "trusted on first use"
		if pinning {
			how = "checked against the config's trust_pinning"
		}
		out = append(out, fmt.Sprintf("%s: first pull from %s; its root (version %d, root key %s) was %s",
			u.GUN, u.Server, u.Repo.Root.Version, strings.Join(u.Repo.Root.Roles["root"].KeyIDs, ", "), how),
			fmt.Sprintf("  %s, %s, timestamp version %d fresh until %s", plural(len(u.Repo.Roles), "delegation", "delegations"),
				plural(len(ReleasedTags(u.Repo)), "signed tag", "signed tags"), ts.Version, fresh))
	case !u.Changed():
		out = append(out, fmt.Sprintf("%s: up to date with %s (timestamp version %d, fresh until %s)", u.GUN, u.Server, ts.Version, fresh))
	default:
		out = append(out, fmt.Sprintf("%s: updated from %s (timestamp version %d, fresh until %s)", u.GUN, u.Server, ts.Version, fresh))
		out = append(out, u.ChangeLines()...)
	}
	for role, why := range u.Skipped {
		out = append(out, fmt.Sprintf("  left out, as notary leaves it out: %s (%s)", role, why))
	}
	for _, warn := range u.Warnings {
		out = append(out, "  warning: "+warn)
	}
	if len(u.Written) > 0 || len(u.Removed) > 0 {
		out = append(out, fmt.Sprintf("  cache: %s written, %d removed in %s", plural(len(u.Written), "file", "files"),
			len(u.Removed), MetadataDir(u.TrustDir, u.GUN)))
	}
	return out
}

// ChangeLines list the versions, keys, delegations and tags that changed,
// each line indented by two spaces.
func (u *Update) ChangeLines() []string {
	var out []string
	if len(u.Versions) > 0 {
		var vs []string
		for _, v := range u.Versions {
			vs = append(vs, fmt.Sprintf("%s %d → %d", v.Role, v.Old, v.New))
		}
		out = append(out, "  new versions: "+strings.Join(vs, ", "))
	}
	for _, k := range u.RotatedKeys {
		out = append(out, fmt.Sprintf("  rotated keys of %s: %s → %s", k.Role, ShortIDs(k.Old), ShortIDs(k.New)))
	}
	if len(u.AddedDelegations) > 0 {
		out = append(out, "  new delegations: "+strings.Join(u.AddedDelegations, ", "))
	}
	if len(u.RemovedDelegations) > 0 {
		out = append(out, "  removed delegations: "+strings.Join(u.RemovedDelegations, ", "))
	}
	for _, t := range u.Tags {
		switch {
		case t.Old == "":
			out = append(out, fmt.Sprintf("  new tag %s in %s: sha256:%s", t.Tag, t.Role, t.New))
		case t.New == "":
			out = append(out, fmt.Sprintf("  removed tag %s from %s (was sha256:%s)", t.Tag, t.Role, t.Old))
		default:
			out = append(out, fmt.Sprintf("  changed tag %s in %s: sha256:%s → sha256:%s", t.Tag, t.Role, t.Old, t.New))
		}
	}
	return out
}

// ShortIDs are key IDs cut to 12 characters, joined with commas;
// "(none)" for none.
func ShortIDs(ids []string) string {
	if len(ids) == 0 {
		return "(none)"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		if len(id) > 12 {
			id = id[:12]
		}
		out[i] = id
	}
	return strings.Join(out, ", ")
}

// ReleasedTags are the tags docker would pull, with their hex SHA-256
// digests: those reachable from targets/releases or targets.
func ReleasedTags(repo *tuf.Repo) map[string]string {
	out := map[string]string{}
	for _, t := range repo.AllTargets("") {
		if isReleased(t.Role.Name) {
			out[t.Name] = hex.EncodeToString(t.Meta.Hashes["sha256"])
		}
	}
	return out
}

// PullTarget is the target docker pull takes for tag with content trust:
// notary's lookup through targets/releases, then targets (and the
// delegations below it), kept only when the role it found is
// targets/releases or targets, as docker keeps it. false: docker finds no
// trust data for the tag.
func PullTarget(repo *tuf.Repo, tag string) (tuf.TargetRef, bool) {
	ref, ok := repo.Lookup(tag, "targets/releases", "targets")
	if !ok || !isReleased(ref.Role.Name) {
		return tuf.TargetRef{}, false
	}
	return ref, true
}

// Freshness says which time a verification of repo used (repo.At) and
// what that means for what it shows. source is "from https://…",
// "offline from the cache DIR" or "offline from the archive FILE"; online
// marks metadata the server just gave. atWhy, when not "", says why
// expiry was checked at repo.At and not now ("--at"); now is the time it
// is.
func Freshness(source string, repo *tuf.Repo, atWhy string, online bool, now time.Time) string {
	at := repo.At
	ts := repo.Timestamp
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
	var b strings.Builder
	if atWhy == "" {
		fmt.Fprintf(&b, "Verified %s at %s (now)", source, stamp(at))
	} else {
		fmt.Fprintf(&b, "Verified %s as of %s (%s), not now (%s)", source, stamp(at), atWhy, stamp(now))
	}
	if ts == nil {
		return b.String() + "."
	}
	switch {
	case online:
		fmt.Fprintf(&b, "; the server's timestamp (version %d) is fresh until %s.", ts.Version, stamp(ts.Expires))
	case !ts.Expires.After(now):
		fmt.Fprintf(&b, ": the server's word is no longer fresh: its timestamp (version %d) expired %s. This shows what was signed as of %s, not what is signed today.",
			ts.Version, stamp(ts.Expires), stamp(at))
	default:
		fmt.Fprintf(&b, "; the server was not asked: its timestamp (version %d) is fresh until %s, but what it signed after this copy was taken is not shown.",
			ts.Version, stamp(ts.Expires))
	}
	return b.String()
}

// plural is "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
