package archive

import (
	"bytes"
	"strconv"
)

// Opening an archive parsed its manifest with json.Unmarshal, a third of
// opening one of 10,000 keys (and backup opens every archive it writes).
// decodeCanonicalManifest reads only the layout manifestJSON writes, with
// plain ASCII strings (no escapes); anything else is left to
// json.Unmarshal. It returns ok only when json.Unmarshal would give the
// same Manifest (FuzzCanonicalManifest checks this).

// manifestCursor reads canonical manifest text from the front.
type manifestCursor struct{ rest []byte }

// lit consumes s.
func (c *manifestCursor) lit(s string) bool {
	if !bytes.HasPrefix(c.rest, []byte(s)) {
		return false
	}
	c.rest = c.rest[len(s):]
	return true
}

// str consumes a quoted string of printable ASCII with nothing to unescape.
func (c *manifestCursor) str() (string, bool) {
	if len(c.rest) == 0 || c.rest[0] != '"' {
		return "", false
	}
	for i := 1; i < len(c.rest); i++ {
		switch b := c.rest[i]; {
		case b == '"':
			s := string(c.rest[1:i])
			c.rest = c.rest[i+1:]
			return s, true
		case b < 0x20 || b > 0x7e || b == '\\':
			return "", false
		}
	}
	return "", false
}

// size consumes a non-negative integer of at most 18 digits, no leading
// zero.
func (c *manifestCursor) size() (int64, bool) {
	n := 0
	for n < len(c.rest) && c.rest[n] >= '0' && c.rest[n] <= '9' {
		n++
	}
	if n == 0 || n > 18 || n > 1 && c.rest[0] == '0' {
		return 0, false
	}
	v, err := strconv.ParseInt(string(c.rest[:n]), 10, 64)
	c.rest = c.rest[n:]
	return v, err == nil
}

// field consumes `"name": "value"` and, when more, the comma and newline
// after it.
func (c *manifestCursor) field(indent, name string, more bool) (string, bool) {
	if !c.lit(indent + `"` + name + `": `) {
		return "", false
	}
	v, ok := c.str()
	if ok && more {
		ok = c.lit(",\n")
	}
	return v, ok
}

// optional consumes `"name": "value",` when it comes next; absent is "".
func (c *manifestCursor) optional(indent, name string) (string, bool) {
	if !bytes.HasPrefix(c.rest, []byte(indent+`"`+name+`"`)) {
		return "", true
	}
	v, ok := c.field(indent, name, true)
	return v, ok && v != "" // manifestJSON omits an empty one
}

// manifestArray consumes one of the manifest's arrays: null, [] or
// objects each read by item.
func manifestArray[T any](c *manifestCursor, item func(*T) bool) ([]T, bool) {
	switch {
	case c.lit("null"):
		return nil, true
	case c.lit("[]"):
		return []T{}, true
	case !c.lit("["):
		return nil, false
	}
	var out []T
	for {
		var v T
		if !c.lit("\n    {\n") || !item(&v) || !c.lit("\n    }") {
			return nil, false
		}
		out = append(out, v)
		if !c.lit(",") {
			return out, c.lit("\n  ]")
		}
	}
}

// decodeCanonicalManifest decodes data when it is in manifestJSON's
// layout with plain strings; ok is false otherwise.
func decodeCanonicalManifest(data []byte) (m *Manifest, ok bool) {
	c := &manifestCursor{rest: data}
	m = &Manifest{}
	const in1, in3 = "  ", "      "
	if !c.lit("{\n") {
		return nil, false
	}
	if m.Format, ok = c.field(in1, "format", true); !ok {
		return nil, false
	}
	if m.Version, ok = c.field(in1, "trustvault_version", true); !ok {
		return nil, false
	}
	created, ok := c.field(in1, "created", true)
	if !ok || m.Created.UnmarshalJSON([]byte(`"`+created+`"`)) != nil || !c.lit(in1+`"keys": `) {
		return nil, false
	}
	m.Keys, ok = manifestArray(c, func(k *Key) bool {
		var ok1, ok2, ok3, ok4 bool
		k.ID, ok1 = c.field(in3, "id", true)
		k.Role, ok2 = c.optional(in3, "role")
		k.GUN, ok3 = c.optional(in3, "gun")
		k.Entry, ok4 = c.field(in3, "entry", false)
		return ok1 && ok2 && ok3 && ok4
	})
	if !ok || !c.lit(",\n"+in1+`"entries": `) {
		return nil, false
	}
	m.Entries, ok = manifestArray(c, func(e *Entry) bool {
		var ok1, ok2, ok3 bool
		e.Name, ok1 = c.field(in3, "name", true)
		if !ok1 || !c.lit(in3+`"size": `) {
			return false
		}
		e.Size, ok2 = c.size()
		if !ok2 || !c.lit(",\n") {
			return false
		}
		e.SHA256, ok3 = c.field(in3, "sha256", false)
		return ok3
	})
	if !ok || !c.lit("\n}") || len(c.rest) != 0 {
		return nil, false
	}
	return m, true
}
