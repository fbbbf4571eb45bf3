package publish

// Checks of what a person asks for that need no server: each change
// method runs them before it reaches the network, and the CLI runs them
// first so that a bad argument is a usage error, not a failed request.

import (
	"fmt"
	"strings"
)

// CheckRotation checks a rotation's role and options.
func CheckRotation(role string, o RotateOptions) error {
	switch role {
	case "root", "targets", "snapshot", "timestamp":
	default:
		if err := checkDelegationName(role); err != nil {
			return fmt.Errorf("%w; or root, targets, snapshot, timestamp", err)
		}
	}
	if o.ServerManaged && role != "snapshot" && role != "timestamp" {
		return fmt.Errorf("the server holds snapshot and timestamp keys only, not the %s key", role)
	}
	if role == "timestamp" && !o.ServerManaged {
		return fmt.Errorf("the timestamp key is always the server's: rotate it server-managed")
	}
	if o.ServerManaged && o.KeyID != "" {
		return fmt.Errorf("a server-managed key is made by the server: give --key or --server-managed, not both")
	}
	if o.KeyID != "" {
		return checkKeyID(o.KeyID)
	}
	return nil
}

// CheckDelegation checks a delegation role's name (targets/NAME).
func CheckDelegation(role string) error { return checkDelegationName(role) }

// CheckSignRole checks the role a tag is signed into or revoked from: ""
// (the roles docker would pick), targets, or a delegation.
func CheckSignRole(role string) error {
	if role == "" || role == "targets" {
		return nil
	}
	if err := checkDelegationName(role); err != nil {
		return fmt.Errorf("%w; or targets", err)
	}
	return nil
}

// CheckKeys checks delegation keys: a key ID of 7 to 64 hex digits, or a
// file that holds a PEM certificate or public key (read, bounded, and
// parsed here). A key named by ID is looked up when the change is made.
func CheckKeys(keys []KeySource) error {
	for _, k := range keys {
		switch {
		case k.File != "":
			if _, err := keyFromFile(k.File); err != nil {
				return err
			}
		case k.ID != "":
			if err := checkKeyID(k.ID); err != nil {
				return err
			}
		default:
			return fmt.Errorf("no key given: give a key ID or a .pem or .crt file")
		}
	}
	return nil
}

func checkKeyID(id string) error {
	ok := len(id) >= 7 && len(id) <= 64
	for _, c := range strings.ToLower(id) {
		ok = ok && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f')
	}
	if !ok {
		return fmt.Errorf("key %.80q is not a key ID: give 7 to 64 hex digits (trustvault list shows them), or a .pem or .crt file", id)
	}
	return nil
}

// CheckKeyIDs checks key IDs given to remove (7 to 64 hex digits each).
func CheckKeyIDs(ids []string) error {
	for _, id := range ids {
		if err := checkKeyID(id); err != nil {
			return err
		}
	}
	return nil
}
