package tuf

// Verification of signed metadata as notary's client does it: signature
// thresholds over a role's keys, versions against a trusted copy, expiry at
// a given time, and the length and hashes a parent role records of a file.

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"time"
)

// Outcomes a caller branches on. The typed errors below wrap them (use
// errors.Is) and carry the role and the figures.
var (
	// ErrThreshold: fewer valid signatures than the role's threshold.
	ErrThreshold = errors.New("signature threshold not met")
	// ErrUnknownKey: the metadata is signed only by keys the role does not
	// have (for the base roles: keys root.json does not list for them).
	ErrUnknownKey = errors.New("signed by a key the role does not trust")
	// ErrRollback: a version lower than the trusted copy's.
	ErrRollback = errors.New("version older than the trusted copy")
	// ErrExpired: the metadata expired before the time it is checked at.
	ErrExpired = errors.New("metadata expired")
	// ErrHashMismatch: a file's length or hash differs from what its parent
	// role (timestamp, snapshot) recorded.
	ErrHashMismatch = errors.New("length or hash differs from the signed record")
	// ErrRootRotation: a new root version is not signed by the threshold of
	// the previous root's root keys.
	ErrRootRotation = errors.New("root rotation not signed by the previous root")
	// ErrPinning: no root key matches the trust pinning configuration.
	ErrPinning = errors.New("root keys do not match the trust pinning")
	// ErrWrongType: a file's "_type" is not the one its role needs.
	ErrWrongType = errors.New("wrong metadata type")
	// ErrMissing: a role the update needs has no file.
	ErrMissing = errors.New("metadata missing")
	// ErrInvalid: metadata whose content breaks a rule (threshold below
	// one, a delegation outside its parent, a key ID that is not its key).
	ErrInvalid = errors.New("invalid metadata")
)

// ThresholdError says how many valid signatures a role's metadata had.
type ThresholdError struct {
	Role      string
	Valid     int
	Threshold int
	// Unknown are the key IDs of signatures by keys the role does not have.
	Unknown []string
}

func (e *ThresholdError) Error() string {
	msg := fmt.Sprintf("%s: %d valid signature(s) by the role's keys, threshold %d", e.Role, e.Valid, e.Threshold)
	if len(e.Unknown) > 0 {
		ids := make([]string, len(e.Unknown))
		for i, id := range e.Unknown {
			ids[i] = shortID(id)
		}
		msg += "; signed by key(s) " + strings.Join(ids, ", ") + " that the role does not trust"
	}
	return msg
}

// Is makes the error match ErrThreshold, and ErrUnknownKey when no valid
// signature came and some came from keys the role does not have.
func (e *ThresholdError) Is(target error) bool {
	return target == ErrThreshold || (target == ErrUnknownKey && e.Valid == 0 && len(e.Unknown) > 0)
}

// RollbackError is a version lower than the trusted copy's.
type RollbackError struct {
	Role    string
	Trusted int
	Got     int
}

func (e *RollbackError) Error() string {
	return fmt.Sprintf("%s: version %d is older than the trusted version %d (a rollback)", e.Role, e.Got, e.Trusted)
}

func (e *RollbackError) Is(target error) bool { return target == ErrRollback }

// ExpiredError is metadata that expired before the time it was checked at.
type ExpiredError struct {
	Role    string
	Expires time.Time
	At      time.Time
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("%s: expired %s, checked at %s", e.Role,
		e.Expires.UTC().Format(time.RFC3339), e.At.UTC().Format(time.RFC3339))
}

func (e *ExpiredError) Is(target error) bool { return target == ErrExpired }

// HashError is a file whose length or hash differs from its record.
type HashError struct {
	Role   string
	Parent string // the role whose record it broke: "timestamp", "snapshot"
	Reason string
}

func (e *HashError) Error() string {
	return fmt.Sprintf("%s: %s (as %s records it)", e.Role, e.Reason, e.Parent)
}

func (e *HashError) Is(target error) bool { return target == ErrHashMismatch }

// RoleKeys is a role as a verifier needs it: its name, the keys it trusts
// by ID, and how many of them must sign.
type RoleKeys struct {
	Name      string
	KeyIDs    []string
	Keys      map[string]Key
	Threshold int
}

// VerifySignatures checks that m carries valid signatures by at least
// role.Threshold distinct keys of the role. A key is used only under its
// own ID (the SHA-256 of its key object), so one key listed under two IDs
// counts once.
func VerifySignatures(m *Metadata, role RoleKeys) error {
	if role.Threshold < 1 {
		return fmt.Errorf("%s: threshold %d: %w", role.Name, role.Threshold, ErrInvalid)
	}
	msg, err := canonicalizeJSON(m.Signed)
	if err != nil {
		return fmt.Errorf("%s: re-encode signed metadata: %w", role.Name, err)
	}
	valid := map[string]bool{}
	var unknown []string
	for _, s := range m.Signatures {
		if valid[s.KeyID] {
			continue
		}
		key, ok := role.Keys[s.KeyID]
		if !ok || !slices.Contains(role.KeyIDs, s.KeyID) || key.ID() != s.KeyID {
			if !slices.Contains(unknown, s.KeyID) {
				unknown = append(unknown, s.KeyID)
			}
			continue
		}
		pub, err := key.PublicKey()
		if err != nil {
			continue
		}
		if verifyTUF(pub, s.Method, msg, s.Sig) {
			valid[s.KeyID] = true
		}
	}
	if len(valid) >= role.Threshold {
		return nil
	}
	return &ThresholdError{Role: role.Name, Valid: len(valid), Threshold: role.Threshold, Unknown: unknown}
}

// CheckExpiry fails with an *ExpiredError when m expired before at. A zero
// at skips the check (for loading a trusted copy, whose age does not
// matter).
func CheckExpiry(role string, m *Metadata, at time.Time) error {
	if at.IsZero() || at.Before(m.Expires) {
		return nil
	}
	return &ExpiredError{Role: role, Expires: m.Expires, At: at}
}

// CheckVersion fails with a *RollbackError when got is lower than trusted.
func CheckVersion(role string, trusted, got int) error {
	if got < trusted {
		return &RollbackError{Role: role, Trusted: trusted, Got: got}
	}
	return nil
}

// CheckFileMeta checks data against the length and hashes a parent role
// recorded. Every hash the record has that this package knows (sha256,
// sha512) must match, and at least one must be there, as notary checks.
func CheckFileMeta(role, parent string, data []byte, want FileMeta) error {
	if int64(len(data)) != want.Length {
		return &HashError{Role: role, Parent: parent,
			Reason: fmt.Sprintf("length %d, recorded %d", len(data), want.Length)}
	}
	checked := 0
	for _, alg := range []string{"sha256", "sha512"} {
		sum, ok := want.Hashes[alg]
		if !ok {
			continue
		}
		var h hash.Hash = sha256.New()
		if alg == "sha512" {
			h = sha512.New()
		}
		h.Write(data)
		if !bytes.Equal(h.Sum(nil), sum) {
			return &HashError{Role: role, Parent: parent, Reason: alg + " differs"}
		}
		checked++
	}
	if checked == 0 {
		return &HashError{Role: role, Parent: parent, Reason: "no sha256 or sha512 recorded"}
	}
	return nil
}

// ParseRole parses data as the metadata of role and checks its "_type":
// "Root" for root, "Timestamp", "Snapshot", and "Targets" for targets and
// every delegation.
func ParseRole(role string, data []byte) (*Metadata, error) {
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", role, err)
	}
	if want := TypeOf(role); m.Type != want {
		return nil, fmt.Errorf("%s: _type %.40q, want %q: %w", role, m.Type, want, ErrWrongType)
	}
	return m, nil
}

// TypeOf is the "_type" a role's metadata has.
func TypeOf(role string) string {
	switch role {
	case "root":
		return TypeRoot
	case "timestamp":
		return TypeTimestamp
	case "snapshot":
		return TypeSnapshot
	default:
		return TypeTargets
	}
}

// baseRole is one of root.json's roles with the root's keys.
func baseRole(root *Metadata, name string) (RoleKeys, error) {
	r, ok := root.Roles[name]
	if !ok {
		return RoleKeys{}, fmt.Errorf("root.json has no %s role: %w", name, ErrInvalid)
	}
	return RoleKeys{Name: name, KeyIDs: r.KeyIDs, Keys: root.Keys, Threshold: r.Threshold}, nil
}
