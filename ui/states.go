package ui

// One function per fact: what a key's or a role's state is called, how its
// expiry reads and what fixes it. Every page that shows one of these asks
// here, so that the repository page, the key page and the repositories
// page cannot disagree.

import (
	"time"

	"github.com/trustvault/trustvault/vault"
)

// roleExpiry is what a role says about its own metadata: when it expires
// ("expires in 12d", with the date when long), or why that is not known
// (absent, damaged). The server-renewed note is part of it.
func roleExpiry(ri vault.RoleInfo, now time.Time, long bool) (string, urgency) {
	switch metadataState(ri) {
	case vault.MetadataAbsent:
		return "no metadata file yet", urgencyNone
	case vault.MetadataDamaged:
		return "metadata damaged", urgencyBad
	}
	text, u := expiryIn(ri.Expires, now)
	if long {
		text, u = expiryLong(ri.Expires, now)
	}
	if text == "" {
		return "", urgencyNone
	}
	text = "expires " + text
	if serverRenewed(ri) {
		text += " (the server renews it)"
		u = urgencyNone
	}
	return text, u
}

// metadataState is a role's metadata state; HasMetadata stands in for a
// reading that did not fill Metadata (tests build RoleInfo by hand).
func metadataState(ri vault.RoleInfo) vault.MetadataState {
	if ri.Metadata == vault.MetadataAbsent && ri.HasMetadata {
		return vault.MetadataCached
	}
	return ri.Metadata
}

// roleMetadataFix says what to do about a role whose metadata is absent or
// damaged, in dir; "" when it is cached.
func roleMetadataFix(ri vault.RoleInfo, gun, dir string) string {
	switch metadataState(ri) {
	case vault.MetadataAbsent:
		return ri.Name + ": no metadata file in the cache (a delegation that never signed, or trust data never pulled): " +
			"pull it (P on the repository page, or " + trustvaultCmd(dir, "pull "+shellQuote(gun)) + "; notary: " + notaryCmd(dir, "list "+shellQuote(gun)) + ")"
	case vault.MetadataDamaged:
		why := ""
		if ri.MetadataErr != nil {
			why = " (" + ri.MetadataErr.Error() + ")"
		}
		return ri.Name + ": the cached metadata file is damaged" + why + ": it is only a copy, so move it aside and pull again (P on the repository page, or " +
			trustvaultCmd(dir, "pull "+shellQuote(gun)) + ")"
	}
	return ""
}

// keyStateWord is a key's location in the words of the repository table.
func keyStateWord(l vault.Location) string { return locationText(l) }

// keyStateFix says what to do about a key that is damaged or missing; ""
// for a key that is where it should be.
func keyStateFix(l vault.Location, err error) string {
	switch l {
	case vault.LocationDamaged:
		why := ""
		if err != nil {
			why = " (" + err.Error() + ")"
		}
		return "damaged: its file is here but cannot be read" + why + "; restore the file from a backup (R on the repositories page)"
	case vault.LocationMissing:
		return "missing: metadata names it, but it is neither in this trust directory nor on a token; " +
			"import a copy (trustvault import FILE) or rotate it (L: the lost-key guide)"
	}
	return ""
}

// notaryCmd is a notary command for the trust directory dir.
func notaryCmd(dir, args string) string {
	return "notary -s SERVER -d " + shellQuote(dir) + " " + args
}

// trustvaultCmd is a trustvault command for the trust directory dir: with
// --trust-dir when dir is not the one trustvault opens by default, so
// that advice acts on the directory actually open.
func trustvaultCmd(dir, args string) string {
	if def, err := vault.ResolveDir(""); err == nil && def == dir || dir == "" {
		return "trustvault " + args
	}
	return "trustvault --trust-dir " + shellQuote(dir) + " " + args
}

// shellQuote quotes s for a POSIX shell when it needs it (vault.ShellQuote).
func shellQuote(s string) string { return vault.ShellQuote(s) }
