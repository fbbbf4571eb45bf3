package ui

// The publish page's questions: the form of each change (sign, revoke,
// add a signer) and the choice of role to rotate, checked as the command
// line checks them (the engine's own checks).

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote"
)

// Field names of the publish forms.
const (
	fieldTag    = "tag"
	fieldDigest = "digest"
	fieldSize   = "size"
	fieldRole   = "role"
	fieldKey    = "key"
)

// pubChoice is one line of a pick list: a tag to revoke, a role to rotate.
type pubChoice struct {
	label, note   string
	role          string
	serverManaged bool
}

// delegationsOf are the repository's delegation roles, as its metadata
// names them.
func delegationsOf(c *common, gun string) []string {
	row := c.snap.row(gun, false)
	if row == nil || row.repo == nil {
		return nil
	}
	var out []string
	for _, ri := range row.repo.Roles {
		if ri.Kind == keyrole.Delegation {
			out = append(out, ri.Name)
		}
	}
	return out
}

func textField(c *common, name, label, short, placeholder string, check func(string) error) formField {
	f := newField(c.styles, name, label, short, false)
	f.input.Placeholder = placeholder
	f.required = name != fieldRole
	f.check = check
	return f
}

// signForm asks for the tag, the manifest's digest and size, and the role
// when the repository has delegations.
func signForm(c *common, gun string) *form {
	fields := []formField{
		textField(c, fieldTag, "Tag", "Tag", "v1.2.3", publish.CheckTag),
		textField(c, fieldDigest, "Digest", "Digest", "sha256:… of the pushed manifest", func(s string) error {
			_, err := publish.Target(s, 1)
			return err
		}),
		textField(c, fieldSize, "Size", "Size", "the manifest's length in bytes", func(s string) error {
			_, err := parseSize(s)
			return err
		}),
	}
	if roles := delegationsOf(c, gun); len(roles) > 0 {
		fields = append(fields, textField(c, fieldRole, "Role (optional)", "Role", "empty: as docker picks; or targets, "+roles[0], func(s string) error {
			if s = strings.TrimSpace(s); s != "" && s != "targets" && !slices.Contains(roles, s) {
				return fmt.Errorf("role %.60q: give targets or one of %s, or leave it empty", s, strings.Join(roles, ", "))
			}
			return nil
		}))
	}
	return newForm(fields...)
}

func parseSize(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %.40q is not a number of bytes (docker inspect shows the manifest's size)", s)
	}
	if _, err := publish.Target(strings.Repeat("0", 64), n); err != nil {
		return 0, err
	}
	return n, nil
}

// revokeForm asks for the tag; the signed tags are offered below it.
func revokeForm(c *common) *form {
	return newForm(textField(c, fieldTag, "Tag", "Tag", "type it, or ↑/↓ picks a signed tag", publish.CheckTag))
}

// tagChoices are the signed tags as the verified cache has them.
func tagChoices(tags []remote.SignedTag) []pubChoice {
	out := make([]pubChoice, 0, len(tags))
	for _, t := range tags {
		note := "sha256:" + shortDigest(t.Digest)
		if len(t.Signers) > 0 {
			note += " · " + strings.Join(t.Signers, ", ")
		}
		out = append(out, pubChoice{label: t.SignedTag, note: note})
	}
	return out
}

func shortDigest(d string) string {
	if len(d) > 12 {
		return d[:12] + "…"
	}
	return d
}

// signerForm asks for the signer's name and key.
func signerForm(c *common) *form {
	return newForm(
		textField(c, fieldName, "Signer name", "Name", "alice", publish.CheckSignerName),
		textField(c, fieldKey, "Key", "Key", "a key ID here, or a .pem/.crt file", func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New("give a key ID or the path of the signer's .pem or .crt")
			}
			return nil
		}),
	)
}

// rotateChoices are the roles a rotation can replace the key of, with
// what signs the change.
func rotateChoices(c *common, gun string) []pubChoice {
	out := []pubChoice{
		{label: "targets", role: "targets", note: "a new key made here; the root key signs"},
		{label: "snapshot", role: "snapshot", note: "a new key made here; the root key signs"},
		{label: "snapshot, server-managed", role: "snapshot", serverManaged: true, note: "the server makes the new key; root signs"},
		{label: "timestamp, server-managed", role: "timestamp", serverManaged: true, note: "the server makes the new key; root signs"},
		{label: "root", role: "root", note: "a new root key made here; old and new sign"},
	}
	for _, r := range delegationsOf(c, gun) {
		out = append(out, pubChoice{label: r, role: r, note: "a new key made here; its parent's key signs"})
	}
	return out
}

// guideContext is why a rotation opened from a lost-key guide is the fix
// (a lost root key's guide offers no rotation: the old key signs one).
func guideContext(d health.GuideData) string {
	lost := "The " + d.Kind.String() + " key"
	if d.KeyID != "" {
		lost += " " + d.ShortID()
	}
	if d.Role != "" && d.Kind == keyrole.Delegation {
		lost += " of " + d.Role
	}
	switch d.Kind {
	case keyrole.Timestamp:
		return lost + " is held by the server. Rotating asks the server for a new one; the root key signs it into root.json."
	case keyrole.Delegation:
		return lost + " is lost. Rotation is the fix: the parent role's key signs a new key into its metadata and the delegation's file is re-signed with it, so the tags it signed stay and it can sign again."
	}
	return lost + " is lost. Rotation is the fix: the root key signs a new " + d.Kind.String() + " key into root.json, so this repository can publish again; nothing signed with the lost key is needed for that."
}

// guideRole is the role a guide's rotation replaces the key of.
func guideRole(d health.GuideData) string {
	if d.Kind == keyrole.Delegation && d.Role != "" {
		return d.Role
	}
	return d.Kind.String()
}
