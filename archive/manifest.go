package archive

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// ManifestName is the manifest's entry. A tar -xzf into the trust
// directory puts it beside trustvault's records, never inside private/.
const ManifestName = "trustvault/manifest.json"

// Format names the manifest's version.
const Format = "trustvault-backup/1"

// Manifest describes an archive: who made it, when, the keys it holds
// (labels from the caller) and the SHA-256 of every file entry.
type Manifest struct {
	Format  string    `json:"format"`
	Version string    `json:"trustvault_version"`
	Created time.Time `json:"created"`
	Keys    []Key     `json:"keys"`
	Entries []Entry   `json:"entries"`
}

// Key labels one entry as a key.
type Key struct {
	ID    string `json:"id"`
	Role  string `json:"role,omitempty"`
	GUN   string `json:"gun,omitempty"`
	Entry string `json:"entry"`
}

// Entry is one file entry's digest.
type Entry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func parseManifest(data []byte) (*Manifest, error) {
	m, ok := decodeCanonicalManifest(data)
	if !ok {
		m = &Manifest{}
		if err := json.Unmarshal(data, m); err != nil {
			return nil, fmt.Errorf("%w: the manifest is not valid JSON: %v", ErrManifest, err)
		}
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%w: format %q, want %q (made by a newer trustvault?)", ErrManifest, m.Format, Format)
	}
	return m, nil
}

// manifestJSON is json.MarshalIndent(m, "", "  "), byte for byte, without
// its reflection and its second pass to indent: at 10,000 keys that pass
// alone was a third of building the archive. TestManifestJSONIsMarshalIndent
// and FuzzManifestJSON hold it to MarshalIndent.
func manifestJSON(m *Manifest) ([]byte, error) {
	created, err := m.Created.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 256+len(m.Keys)*256+len(m.Entries)*192)
	b = append(b, "{\n  \"format\": "...)
	b = appendJSONString(b, m.Format)
	b = append(b, ",\n  \"trustvault_version\": "...)
	b = appendJSONString(b, m.Version)
	b = append(b, ",\n  \"created\": "...)
	b = append(b, created...)
	b = append(b, ",\n  \"keys\": "...)
	b = appendArray(b, m.Keys, func(b []byte, k *Key) []byte {
		b = appendField(b, "id", k.ID, true)
		if k.Role != "" {
			b = appendField(b, "role", k.Role, true)
		}
		if k.GUN != "" {
			b = appendField(b, "gun", k.GUN, true)
		}
		return appendField(b, "entry", k.Entry, false)
	})
	b = append(b, ",\n  \"entries\": "...)
	b = appendArray(b, m.Entries, func(b []byte, e *Entry) []byte {
		b = appendField(b, "name", e.Name, true)
		b = append(b, "      \"size\": "...)
		b = strconv.AppendInt(b, e.Size, 10)
		b = append(b, ",\n"...)
		return appendField(b, "sha256", e.SHA256, false)
	})
	return append(b, "\n}"...), nil
}

// appendArray writes one of the manifest's arrays of objects at the
// manifest's second level, each object's fields written by fields.
func appendArray[T any](b []byte, items []T, fields func([]byte, *T) []byte) []byte {
	switch {
	case items == nil:
		return append(b, "null"...)
	case len(items) == 0:
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    {\n"...)
		b = fields(b, &items[i])
		b = append(b, "\n    }"...)
	}
	return append(b, "\n  ]"...)
}

// appendField writes one string field of an array's object; more says
// another field follows.
func appendField(b []byte, name, value string, more bool) []byte {
	b = append(b, "      \""...)
	b = append(b, name...)
	b = append(b, "\": "...)
	b = appendJSONString(b, value)
	if more {
		b = append(b, ",\n"...)
	}
	return b
}

// appendJSONString writes s as encoding/json does: printable ASCII other
// than the quote, the backslash and <, > and & (escaped for HTML) as it
// is; any other string through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
