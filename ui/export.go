package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
)

// Exporting a key's public part from the key page: a form (the
// passphrase, when the file is encrypted, and a file to write to), then
// the engine call.

// newExportForm asks for the passphrase (when the file is encrypted) and a
// file to write the public key to.
func newExportForm(st Styles, k *vault.Key) *form {
	var fields []formField
	if k.Encryption.Scheme != vault.SchemeNone {
		fields = append(fields, newField(st, fieldPass, "Passphrase", "Passphrase", true))
	}
	path := newField(st, fieldPath, "Write to file", "File", false)
	path.input.Placeholder = "empty: show it here"
	return newForm(append(fields, path)...)
}

// formRoomy is the page height from which a form gets a border and the
// key's ID above it.
const formRoomy = 12

// exportFormView draws the export form; in a box when boxed.
func exportFormView(c *common, f *form, width int, boxed bool) string {
	st := c.styles
	inner := width
	if boxed {
		inner = max(min(width, 76)-4, 10)
	}
	var b strings.Builder
	b.WriteString(st.SubHeading.Render(truncate("Export the public key", inner)))
	b.WriteString("\n" + f.View(st, inner))
	switch {
	case f.busy:
		b.WriteString("\n" + c.spinner.View() + " Unlocking the key…")
	case f.msg == "":
		b.WriteString("\n" + st.Faint.Render(truncate("enter confirms · esc cancels", inner)))
	}
	if c.demo && c.demoPassphrase != "" && f.field(fieldPass) != nil {
		b.WriteString("\n" + st.Faint.Render(truncate("Demo vault passphrase: "+c.demoPassphrase, inner)))
	}
	if !boxed {
		return b.String()
	}
	return st.FormBorder.Width(inner + 4).Render(b.String())
}

// publicKeyExportedMsg is a key's public part, written to path or (path
// "") to be shown.
type publicKeyExportedMsg struct {
	pem  []byte
	path string
}

// exportPublicCmd unlocks a key and writes its public part to path, or
// returns it to be shown when path is empty. It never overwrites a file.
func exportPublicCmd(store *vault.Store, id string, pass []byte, path string) tea.Cmd {
	return func() tea.Msg {
		defer zero(pass)
		pem, err := store.ExportPublic(id, once(pass))
		if err != nil {
			return errorMsg{err: err}
		}
		if path == "" {
			return publicKeyExportedMsg{pem: pem}
		}
		if err := writeNewFile(path, pem); err != nil {
			return errorMsg{err: err}
		}
		return publicKeyExportedMsg{pem: pem, path: absPath(path)}
	}
}

// absPath expands a leading ~/ and makes path absolute.
func absPath(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, rest)
		}
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path
}

// writeNewFile writes data to a file that must not exist yet, through
// vault.WriteFile (a temporary file, synced, renamed into place: never a
// partial file).
func writeNewFile(path string, data []byte) error {
	path = absPath(path)
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s already exists: choose another file name", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := vault.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
