package tuf

// Parsing TUF metadata files as notary writes them.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault/internal/fsread"
)

// MaxMetadataSize bounds a metadata file the vault reads. Real files are a
// few kilobytes; targets files with many tags stay well below this.
const MaxMetadataSize = 16 << 20

// MaxDelegations bounds how many delegation roles one repository may list.
const MaxDelegations = 10_000

// TUFSignature is one entry of a metadata file's "signatures".
type Signature struct {
	KeyID  string
	Method string
	Sig    []byte
}

// TUFMetadata is one parsed metadata file. Fields a file's type does not
// have are empty.
type Metadata struct {
	Type    string // TypeRoot, TypeTargets, TypeSnapshot or TypeTimestamp
	Expires time.Time
	Version int
	// Keys are root.json "keys", or a targets file's delegations.keys.
	Keys map[string]Key
	// Roles are root.json "roles".
	Roles map[string]Role
	// Delegations are a targets file's delegations.roles, in file order.
	Delegations []Delegation
	// Targets are a targets file's "targets".
	Targets map[string]FileMeta
	// Meta is snapshot or timestamp "meta".
	Meta       map[string]FileMeta
	Signatures []Signature
	// Signed is the "signed" object as it is in the file.
	Signed []byte
}

// The JSON shapes, decoded with encoding/json ([]byte fields are base64).
type (
	envelopeJSON struct {
		Signed     json.RawMessage `json:"signed"`
		Signatures []struct {
			KeyID  string `json:"keyid"`
			Method string `json:"method"`
			Sig    []byte `json:"sig"`
		} `json:"signatures"`
	}
	commonJSON struct {
		Type    string `json:"_type"`
		Expires string `json:"expires"`
		Version int    `json:"version"`
	}
	keyJSON struct {
		KeyType string `json:"keytype"`
		KeyVal  struct {
			Public []byte `json:"public"`
		} `json:"keyval"`
	}
	roleJSON struct {
		KeyIDs    []string `json:"keyids"`
		Threshold int      `json:"threshold"`
	}
	fileMetaJSON struct {
		Length int64             `json:"length"`
		Hashes map[string][]byte `json:"hashes"`
	}
	rootJSON struct {
		Keys  map[string]keyJSON  `json:"keys"`
		Roles map[string]roleJSON `json:"roles"`
	}
	targetsJSON struct {
		Targets     map[string]fileMetaJSON `json:"targets"`
		Delegations struct {
			Keys  map[string]keyJSON `json:"keys"`
			Roles []struct {
				roleJSON
				Name  string   `json:"name"`
				Paths []string `json:"paths"`
			} `json:"roles"`
		} `json:"delegations"`
	}
	metaJSON struct {
		Meta map[string]fileMetaJSON `json:"meta"`
	}
)

// ParseMetadata parses a metadata file. It checks the structure, not the
// signatures (see Verify).
func Parse(data []byte) (*Metadata, error) {
	if len(data) > MaxMetadataSize {
		return nil, fmt.Errorf("metadata is %d bytes, more than the %d allowed", len(data), MaxMetadataSize)
	}
	var env envelopeJSON
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("parse metadata: %w", err)
	}
	signed := bytes.TrimSpace(env.Signed)
	if len(signed) == 0 || signed[0] != '{' {
		return nil, errors.New(`parse metadata: "signed" is not an object`)
	}
	var c commonJSON
	if err := json.Unmarshal(signed, &c); err != nil {
		return nil, fmt.Errorf("parse signed metadata: %w", err)
	}
	expires, err := time.Parse(time.RFC3339Nano, c.Expires)
	if err != nil {
		return nil, fmt.Errorf("parse signed metadata: expires %.40q is not an RFC 3339 time", c.Expires)
	}
	m := &Metadata{Type: c.Type, Expires: expires, Version: c.Version, Signed: signed}
	for _, s := range env.Signatures {
		m.Signatures = append(m.Signatures, Signature{KeyID: s.KeyID, Method: strings.ToLower(s.Method), Sig: s.Sig})
	}
	if err := m.parseBody(signed); err != nil {
		return nil, fmt.Errorf("parse %s metadata: %w", c.Type, err)
	}
	return m, nil
}

// parseBody decodes the fields that depend on the metadata type.
func (m *Metadata) parseBody(signed []byte) error {
	switch m.Type {
	case TypeRoot:
		var r rootJSON
		if err := json.Unmarshal(signed, &r); err != nil {
			return err
		}
		m.Keys = tufKeys(r.Keys)
		m.Roles = make(map[string]Role, len(r.Roles))
		for name, role := range r.Roles {
			m.Roles[name] = Role(role)
		}
	case TypeTargets:
		var t targetsJSON
		if err := json.Unmarshal(signed, &t); err != nil {
			return err
		}
		m.Targets = fileMetas(t.Targets)
		m.Keys = tufKeys(t.Delegations.Keys)
		for _, d := range t.Delegations.Roles {
			m.Delegations = append(m.Delegations, Delegation{Name: d.Name, KeyIDs: d.KeyIDs, Threshold: d.Threshold, Paths: d.Paths})
		}
	case TypeSnapshot, TypeTimestamp:
		var s metaJSON
		if err := json.Unmarshal(signed, &s); err != nil {
			return err
		}
		m.Meta = fileMetas(s.Meta)
	default:
		return fmt.Errorf("unknown _type %.40q", m.Type)
	}
	return nil
}

func tufKeys(in map[string]keyJSON) map[string]Key {
	out := make(map[string]Key, len(in))
	for id, k := range in {
		out[id] = Key{Type: k.KeyType, Public: k.KeyVal.Public}
	}
	return out
}

func fileMetas(in map[string]fileMetaJSON) map[string]FileMeta {
	out := make(map[string]FileMeta, len(in))
	for name, f := range in {
		out[name] = FileMeta(f)
	}
	return out
}

// ReadMetadataFile reads and parses one metadata file, refusing files larger
// than MaxMetadataSize. Errors name the file.
func ReadFile(path string) (*Metadata, error) {
	data, err := fsread.File(path, MaxMetadataSize)
	if err != nil {
		return nil, err
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ValidRoleName reports whether a delegation name is safe to turn into a
// path below metadata/: no empty, "." or ".." segments, no backslashes.
func ValidRoleName(name string) bool {
	if strings.ContainsAny(name, "\\\x00") {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
