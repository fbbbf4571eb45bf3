package tuf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMetadataRejects(t *testing.T) {
	const exp = `"expires":"2030-01-01T00:00:00Z"`
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", ``, "parse metadata"},
		{"not an object", `[1]`, "parse metadata"},
		{"no signed", `{"signatures":[]}`, `"signed" is not an object`},
		{"signed is a string", `{"signed":"x"}`, `"signed" is not an object`},
		{"bad expires", `{"signed":{"_type":"Root","expires":"tomorrow"}}`, "not an RFC 3339 time"},
		{"unknown type", `{"signed":{"_type":"Mirror",` + exp + `}}`, "unknown _type"},
		{"roles of the wrong shape", `{"signed":{"_type":"Root",` + exp + `,"roles":[]}}`, "parse Root metadata"},
		{"delegations of the wrong shape", `{"signed":{"_type":"Targets",` + exp + `,"delegations":{"roles":{}}}}`, "parse Targets metadata"},
		{"bad base64 key", `{"signed":{"_type":"Root",` + exp + `,"keys":{"a":{"keytype":"ecdsa","keyval":{"public":"!!"}}}}}`, "parse Root metadata"},
		{"fractional version", `{"signed":{"_type":"Root",` + exp + `,"version":1.5}}`, "parse signed metadata"},
		{"bad signature", `{"signed":{"_type":"Root",` + exp + `},"signatures":[{"sig":5}]}`, "parse metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseMetadataSeeds(t *testing.T) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "metadata", "*.json"))
	if len(seeds) == 0 {
		t.Fatal("no seeds in testdata/metadata")
	}
	for _, path := range seeds {
		t.Run(filepath.Base(path), func(t *testing.T) {
			m, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if m.Expires.IsZero() || m.Version < 1 || len(m.Signatures) != 1 {
				t.Errorf("expires %v version %d signatures %d", m.Expires, m.Version, len(m.Signatures))
			}
		})
	}
	root, err := ReadFile(filepath.Join("testdata", "metadata", "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	for role, spec := range root.Roles {
		key := root.Keys[spec.KeyIDs[0]]
		path := filepath.Join("testdata", "metadata", role+".json")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(data, key); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}
