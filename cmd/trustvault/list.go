package main

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
)

func (a *app) listCmd() *cobra.Command {
	var asJSON bool
	var gun string
	cmd := &cobra.Command{
		Use:   "list [--json] [--gun GUN]",
		Short: "List the private keys in the trust directory",
		Long: `List every key file below private/, root keys first, then by GUN, role and ID.
No passphrase is needed. A file that cannot be read is listed with its error
(and reported on standard error) while the others are listed as usual.

--json prints an array of objects: id, role, gun, kind, location, path, layout,
mode ("0600"), size, modified, algorithm (when the file shows it), encryption
({"scheme":"pbes2"|"legacy-pem"|"none","prf","iterations","cipher"}) and weak;
an unreadable file has "error" instead of encryption and weak.

Keys on a Yubikey that is plugged in are listed there: location "token" and
{"serial","slot","model","firmware"} in "token". A key file whose key is on a
token is the token key's backup; a key only on a token has no path and no
encryption.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			s, err := a.openStore()
			if err != nil {
				return fail("list", err)
			}
			l, err := a.scanKeyRecords(s, gun)
			if err != nil {
				return fail("list", err)
			}
			if asJSON {
				err = writeKeySeqJSON(a.stdout, l.all())
			} else {
				err = writeKeysTable(a.stdout, s.Dir(), l.all(), a.command("generate", "--role", "root"))
			}
			if err != nil {
				return fail("list", err)
			}
			for k := range l.all() {
				if k.Err != nil {
					fmt.Fprintf(a.stderr, "trustvault: list: %s: %v; the file cannot be used as a key: restore it from a backup or move it out of private/\n",
						k.Path, k.Err)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&gun, "gun", "", "only keys whose gun header is `GUN`")
	return cmd
}

// sortKeys orders keys as notary key list does: root keys first, then by GUN,
// role and ID (and path, for two files with one ID). It sorts pointers: a
// Key is too large to swap ten thousand times over.
func sortKeys(keys []vault.Key) []*vault.Key {
	out := make([]*vault.Key, len(keys))
	for i := range keys {
		out[i] = &keys[i]
	}
	slices.SortFunc(out, func(x, y *vault.Key) int {
		xr, yr := x.Role == "root", y.Role == "root"
		switch {
		case xr && !yr:
			return -1
		case yr && !xr:
			return 1
		}
		if c := strings.Compare(x.GUN, y.GUN); c != 0 {
			return c
		}
		if c := strings.Compare(x.Role, y.Role); c != 0 {
			return c
		}
		if c := strings.Compare(x.ID, y.ID); c != 0 {
			return c
		}
		return strings.Compare(x.Path, y.Path)
	})
	return out
}

// keyJSON is one element of list --json: the schema appendKeyJSON writes.
type keyJSON struct {
	ID         string          `json:"id"`
	Role       string          `json:"role"`
	GUN        string          `json:"gun"`
	Kind       string          `json:"kind"`
	Location   string          `json:"location"`
	Token      *tokenRefJSON   `json:"token,omitempty"`
	Path       string          `json:"path"`
	Layout     string          `json:"layout"`
	Mode       string          `json:"mode"`
	Size       int64           `json:"size"`
	Modified   string          `json:"modified,omitempty"`
	Algorithm  string          `json:"algorithm,omitempty"`
	Encryption *encryptionJSON `json:"encryption,omitempty"`
	Weak       *bool           `json:"weak,omitempty"`
	Error      string          `json:"error,omitempty"`
}

type encryptionJSON struct {
	Scheme     string `json:"scheme"`
	PRF        string `json:"prf,omitempty"`
	Iterations int    `json:"iterations,omitempty"`
	Cipher     string `json:"cipher,omitempty"`
}

func newKeyJSON(k vault.Key) keyJSON {
	j := keyJSON{
		ID:        k.ID,
		Role:      k.Role,
		GUN:       k.GUN,
		Kind:      k.Kind().String(),
		Location:  k.Location.String(),
		Token:     newTokenRefJSON(k.Token),
		Path:      k.Path,
		Layout:    k.Layout.String(),
		Mode:      fmt.Sprintf("%04o", k.Mode.Perm()),
		Size:      k.Size,
		Algorithm: k.Algorithm,
	}
	if !k.ModTime.IsZero() {
		j.Modified = k.ModTime.UTC().Format(time.RFC3339)
	}
	if k.Err != nil {
		j.Error = k.Err.Error()
		return j
	}
	if k.Path == "" { // only on a token: no file, no encryption
		return j
	}
	e := k.Encryption
	j.Encryption = &encryptionJSON{Scheme: e.Scheme.String(), PRF: e.PRF, Iterations: e.Iterations, Cipher: e.Cipher}
	weak := e.Weak()
	j.Weak = &weak
	return j
}

// writeKeysJSON streams the keys as a JSON array, one object per line. It
// encodes by hand into one reused buffer: with ten thousand keys, reflection
// and an allocation per key would cost more than reading the files. The
// result is what encoding/json makes of keyJSON (TestKeyJSONMatchesSchema).
func writeKeysJSON(w io.Writer, keys []*vault.Key) error {
	return writeKeySeqJSON(w, slices.Values(keys))
}

// writeKeySeqJSON is writeKeysJSON for keys as they come.
func writeKeySeqJSON(w io.Writer, keys iter.Seq[*vault.Key]) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	buf := make([]byte, 0, 1024)
	bw.WriteString("[")
	n := 0
	for k := range keys {
		if n > 0 {
			bw.WriteString(",")
		}
		n++
		bw.WriteString("\n")
		buf = appendKeyJSON(buf[:0], k)
		if _, err := bw.Write(buf); err != nil {
			return err // a closed pipe: stop reading and formatting
		}
	}
	if n > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

// appendKeyJSON appends one key as keyJSON would encode it.
func appendKeyJSON(b []byte, k *vault.Key) []byte {
	field := func(name string) {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	str := func(name, v string) {
		field(name)
		b = appendJSONString(b, v)
	}
	num := func(name string, v int64) {
		field(name)
		b = strconv.AppendInt(b, v, 10)
	}
	b = append(b, '{')
	str("id", k.ID)
	str("role", k.Role)
	str("gun", k.GUN)
	str("kind", k.Kind().String())
	str("location", k.Location.String())
	if k.Token != nil {
		field("token")
		b = appendTokenRefJSON(b, k.Token)
	}
	if k.TokenCertificate != nil {
		// A certificate on a token names the key; the key there is not
		// shown, so the file (if any) stays the location.
		field("token_certificate")
		b = appendTokenRefJSON(b, k.TokenCertificate)
	}
	str("path", k.Path)
	str("layout", k.Layout.String())
	field("mode") // four octal digits, as "%04o" would print them
	p := k.Mode.Perm()
	b = append(b, '"', '0'+byte(p>>9&7), '0'+byte(p>>6&7), '0'+byte(p>>3&7), '0'+byte(p&7), '"')
	num("size", k.Size)
	if !k.ModTime.IsZero() {
		field("modified")
		b = append(b, '"')
		b = k.ModTime.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, '"')
	}
	if k.Algorithm != "" {
		str("algorithm", k.Algorithm)
	}
	if k.Err != nil {
		str("error", k.Err.Error())
		return append(b, '}')
	}
	if k.Path == "" {
		return append(b, '}')
	}
	e := k.Encryption
	field("encryption")
	b = append(b, '{')
	str("scheme", e.Scheme.String())
	if e.PRF != "" {
		str("prf", e.PRF)
	}
	if e.Iterations != 0 {
		num("iterations", int64(e.Iterations))
	}
	if e.Cipher != "" {
		str("cipher", e.Cipher)
	}
	b = append(b, '}')
	field("weak")
	b = strconv.AppendBool(b, e.Weak())
	return append(b, '}')
}

// jsonPlain tells the ASCII characters that encoding/json copies unescaped.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = !strings.ContainsRune(`"\\<>&`, rune(c))
	}
	return t
}()

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (invalid UTF-8 becomes U+FFFD). Runs of plain characters are
// copied at once.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// writeKeysTable prints the table. GUNs are shown in full (notary cuts them
// to 25 characters); LOCATION is the key's directory relative to the trust
// directory. An empty store gets generate, the command that makes a first
// key in it.
func writeKeysTable(w io.Writer, dir string, keys iter.Seq[*vault.Key], generate string) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	var tw *tabwriter.Writer
	for k := range keys {
		if tw == nil {
			tw = tabwriter.NewWriter(bw, 4, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "ROLE\tGUN\tKEY ID\tENCRYPTION\tLOCATION")
		}
		enc := k.Encryption.Summary()
		if k.Err != nil {
			enc = "unreadable (see below)"
		}
		if k.Path == "" {
			enc = "held by the token"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cell(orDash(k.Role)), cell(k.GUN), cell(k.ID), enc, cell(keyLocation(dir, k)))
	}
	if tw == nil {
		fmt.Fprintf(bw, "No signing keys found in %s.\nMake a root key with: %s\n", dir, generate)
		return bw.Flush()
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// keyLocation is where the key lives, for the table: the key file's
// directory relative to the trust directory, with the layout when it is not
// notary's flat one.
func keyLocation(dir string, k *vault.Key) string {
	if k.Token != nil {
		if k.Path == "" {
			return k.Token.String()
		}
		rel, err := filepath.Rel(dir, filepath.Dir(k.Path))
		if err != nil {
			rel = filepath.Dir(k.Path)
		}
		return k.Token.String() + " (backup in " + rel + ")"
	}
	if k.Location != vault.LocationFile {
		return k.Location.String()
	}
	loc := filepath.Dir(k.Path)
	if rel, err := filepath.Rel(dir, loc); err == nil {
		loc = rel
	}
	if k.Layout != vault.LayoutFlat {
		loc += " (" + k.Layout.String() + ")"
	}
	if k.TokenCertificate != nil {
		loc += " (certificate on " + k.TokenCertificate.String() + ", key there not shown)"
	}
	return loc
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
