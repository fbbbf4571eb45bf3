package health

// Lost-key guides: the documents in assets, filled with a person's own
// repository and key IDs.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/assets"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// GuideData is what a lost-key guide is filled with. Empty fields are shown
// as placeholders (GUN, NAME, KEYID) that the person replaces.
type GuideData struct {
	// Kind picks the guide.
	Kind keyrole.Kind
	// GUN is the repository; Role the role's name ("targets/releases").
	GUN, Role string
	// KeyID is the canonical ID of the lost key, when one is known.
	KeyID string
	// Signer is a docker signer's name, for delegation keys ("alice").
	Signer string
	// TrustDir is the trust directory the commands should use.
	TrustDir string
	// Command is the trustvault command line the guide's commands start
	// with (see Input.Command; "" is "trustvault").
	Command string
	// Repositories are, for a root key, every repository it signs here.
	Repositories []string
	// RootExpires and TargetsExpires are the dates the repository's root
	// and targets metadata expire ("" when not known).
	RootExpires, TargetsExpires string
}

// ShortID is the key ID's first 7 characters.
func (d GuideData) ShortID() string { return vault.ShortID(d.KeyID) }

// ID is the key ID, or a placeholder.
func (d GuideData) ID() string {
	if d.KeyID == "" {
		return "KEYID"
	}
	return d.KeyID
}

// Title names the guide for a person: "Lost targets key 3e3e69b".
func (d GuideData) Title() string {
	t := "Lost " + d.Kind.String() + " key"
	if d.Kind == keyrole.Timestamp {
		t = "Timestamp key"
	}
	if d.KeyID != "" {
		t += " " + d.ShortID()
	}
	return t
}

// LostKeyGuide fills the guide for d.Kind.
func LostKeyGuide(d GuideData) (string, error) {
	src, err := assets.Guide(d.Kind.String())
	if err != nil {
		return "", fmt.Errorf("%w", err)
	}
	tmpl, err := parseGuide(d.Kind.String(), src, guideNames)
	if err != nil {
		return "", err
	}
	repo := d.GUN
	d = d.withPlaceholders()
	var b strings.Builder
	tmpl.execute(&b, func(name string) guideValue {
		if name == "Repo" {
			// The repository as given: empty when the guide is for no
			// repository in particular (GUN is then a placeholder).
			return guideValue{s: repo}
		}
		return d.value(name)
	})
	return b.String(), nil
}

// withPlaceholders fills what d leaves empty with what the person is to
// replace (GUN, NAME) or the defaults (the role of the kind, the default
// trust directory, trustvault).
func (d GuideData) withPlaceholders() GuideData {
	if d.GUN == "" {
		d.GUN = "GUN"
	}
	if d.Signer == "" {
		d.Signer = "NAME"
	}
	if d.Role == "" {
		d.Role = d.Kind.String()
		if d.Kind == keyrole.Delegation {
			d.Role = "targets/" + d.Signer
		}
	}
	if d.TrustDir == "" {
		d.TrustDir = "~/.docker/trust"
	}
	if d.Command == "" {
		d.Command = "trustvault"
	}
	return d
}

// guideNames are the values a guide may use, true for a list.
var guideNames = map[string]bool{
	"Kind": false, "GUN": false, "Role": false, "KeyID": false, "Signer": false,
	"TrustDir": false, "Command": false, "Repositories": true,
	"RootExpires": false, "TargetsExpires": false,
	"ShortID": false, "ID": false, "Title": false, "Repo": false,
}

// value is the guide value called name (one of guideNames).
func (d GuideData) value(name string) guideValue {
	switch name {
	case "Kind":
		return guideValue{s: d.Kind.String()}
	case "GUN":
		return guideValue{s: d.GUN}
	case "Role":
		return guideValue{s: d.Role}
	case "KeyID":
		return guideValue{s: d.KeyID}
	case "Signer":
		return guideValue{s: d.Signer}
	case "TrustDir":
		return guideValue{s: d.TrustDir}
	case "Command":
		return guideValue{s: d.Command}
	case "Repositories":
		return guideValue{list: d.Repositories, isList: true}
	case "RootExpires":
		return guideValue{s: d.RootExpires}
	case "TargetsExpires":
		return guideValue{s: d.TargetsExpires}
	case "ShortID":
		return guideValue{s: d.ShortID()}
	case "ID":
		return guideValue{s: d.ID()}
	case "Title":
		return guideValue{s: d.Title()}
	}
	panic("health: guide value " + name + " is not in guideNames")
}

// GuideFor works out which guide a person needs and fills in what the trust
// directory knows. subject is a key type (root, targets, snapshot,
// timestamp, delegation), a delegation role (targets/releases), or a key ID
// or its first 7 or more digits; gun, when given, picks the repository.
func GuideFor(trustDir string, keys []vault.Key, repos []vault.Repository, subject, gun string) (GuideData, error) {
	return guideFor(GuideData{TrustDir: trustDir, GUN: gun}, keys, repos, subject)
}

// guideFor is GuideFor from d's trust directory, GUN and command.
func guideFor(d GuideData, keys []vault.Key, repos []vault.Repository, subject string) (GuideData, error) {
	trustDir, gun := d.TrustDir, d.GUN
	subject = strings.TrimSpace(subject)
	if k, err := keyrole.ParseKind(subject); err == nil || strings.HasPrefix(subject, "targets/") {
		d.Kind, d.Role = k, subject
		if err != nil {
			d.Kind = keyrole.Delegation
		}
		if d.Kind == keyrole.Delegation && strings.HasPrefix(subject, "targets/") {
			d.Signer = signerOf(subject)
		} else if d.Kind == keyrole.Delegation {
			d.Role = ""
		}
		if r, ok := findRepo(repos, gun); ok {
			if ri, ok := r.Role(d.Role); ok && len(ri.Keys) > 0 {
				d.KeyID = ri.Keys[0].ID
			}
		}
		d.fillRepo(repos)
		return d, nil
	}
	id := strings.ToLower(subject)
	if len(id) < 7 || !isHex(id) {
		return d, fmt.Errorf("guide: %q is neither a key type (root, targets, snapshot, timestamp, delegation) nor a key ID", subject)
	}
	var file *vault.Key
	for i := range keys {
		if strings.HasPrefix(keys[i].ID, id) {
			if file != nil && file.ID != keys[i].ID {
				return d, fmt.Errorf("guide: key ID prefix %s matches several keys: give more digits", id)
			}
			file = &keys[i]
		}
	}
	// Roles that name the key, in the repository asked for first.
	type use struct{ gun, role string }
	var uses []use
	for _, r := range repos {
		for _, ri := range r.Roles {
			for _, rk := range ri.Keys {
				if strings.HasPrefix(rk.ID, id) && (file == nil || rk.ID == file.ID) {
					uses = append(uses, use{r.GUN, ri.Name})
					d.KeyID = rk.ID
				}
			}
		}
	}
	if file != nil {
		d.KeyID = file.ID
	}
	if d.KeyID == "" {
		return d, fmt.Errorf("guide: no key %s in %s or in its metadata (see %s and %s)", id, trustDir, command(d.Command, "list"), command(d.Command, "repos"))
	}
	slices.SortStableFunc(uses, func(a, b use) int {
		// The asked-for repository first, then a signer's own role
		// before targets/releases.
		am, bm := a.gun == gun, b.gun == gun
		if am != bm {
			if am {
				return -1
			}
			return 1
		}
		return boolRank(a.role == "targets/releases") - boolRank(b.role == "targets/releases")
	})
	switch {
	case len(uses) > 0:
		if d.GUN == "" || uses[0].gun == gun {
			d.GUN = uses[0].gun
		}
		d.Role = uses[0].role
	case file != nil:
		d.Role = file.Role
		if d.GUN == "" {
			d.GUN = file.GUN
		}
	}
	d.Kind = keyrole.KindOf(d.Role)
	if d.Kind == keyrole.Delegation {
		d.Signer = signerOf(d.Role)
		if d.Signer == "releases" && file != nil && keyrole.KindOf(file.Role) == keyrole.Delegation {
			d.Signer = signerOf(file.Role)
		}
		if !strings.HasPrefix(d.Role, "targets/") {
			d.Role = ""
		}
	}
	d.fillRepo(repos)
	return d, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// signerOf is a docker signer's name from its role: "targets/alice" and
// "alice" are "alice".
func signerOf(role string) string {
	return role[strings.LastIndex(role, "/")+1:]
}

func findRepo(repos []vault.Repository, gun string) (vault.Repository, bool) {
	for _, r := range repos {
		if r.GUN == gun {
			return r, true
		}
	}
	return vault.Repository{}, false
}

// fillRepo adds what the repository's metadata says: expiries, and for a
// root key every repository it signs.
func (d *GuideData) fillRepo(repos []vault.Repository) {
	if r, ok := findRepo(repos, d.GUN); ok {
		if ri, ok := r.Role("root"); ok && !ri.Expires.IsZero() {
			d.RootExpires = ri.Expires.UTC().Format(time.DateOnly)
		}
		if ri, ok := r.Role("targets"); ok && !ri.Expires.IsZero() {
			d.TargetsExpires = ri.Expires.UTC().Format(time.DateOnly)
		}
	}
	if d.Kind != keyrole.Root || d.KeyID == "" {
		return
	}
	for _, r := range repos {
		if ri, ok := r.Role("root"); ok && slices.ContainsFunc(ri.Keys, func(k vault.RoleKey) bool { return k.ID == d.KeyID }) {
			d.Repositories = append(d.Repositories, r.GUN)
		}
	}
}

// StoreGuide reads the store and works out the guide for subject (see the
// function GuideFor), its commands starting with command (see
// GuideData.Command).
func StoreGuide(s *vault.Store, subject, gun, command string) (GuideData, error) {
	keys, err := s.Keys()
	if err != nil {
		return GuideData{TrustDir: s.Dir(), Command: command}, err
	}
	repos, _ := vault.ReadRepositories(s.Dir(), keys)
	return guideFor(GuideData{TrustDir: s.Dir(), GUN: gun, Command: command}, keys, repos, subject)
}
