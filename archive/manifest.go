package archive

import (
	"encoding/json"
	"fmt"
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
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: the manifest is not valid JSON: %v", ErrManifest, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%w: format %q, want %q (made by a newer trustvault?)", ErrManifest, m.Format, Format)
	}
	return &m, nil
}
