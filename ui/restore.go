package ui

// Restore and restore drills: open an archive (the newest on the drives
// is offered), ask its passphrase if it is encrypted, drill it against the
// store (nothing written), then restore on request.

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
)

type restoreStep int

const (
	restorePath restoreStep = iota
	restorePass
	restoreWorking
	restoreReport
	restoreDone
)

type restoreKeys struct {
	Next, Restore, KeepBoth, Back key.Binding
}

func defaultRestoreKeys() restoreKeys {
	return restoreKeys{
		Next:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "drill it")),
		Restore:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "restore")),
		KeepBoth: key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "restore, keeping both copies of changed keys")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

type (
	archiveFoundMsg struct{ path string }
	archiveReadMsg  struct {
		data []byte
		err  error
	}
	drilledMsg struct {
		rep *vault.DrillReport
		err error
	}
	restoredMsg struct {
		res *vault.RestoreResult
		err error
	}
)

type restorePage struct {
	c             *common
	keys          restoreKeys
	width, height int

	step  restoreStep
	path  textinput.Model
	pass  textinput.Model
	data  []byte
	rep   *vault.DrillReport
	res   *vault.RestoreResult
	err   error
	asked bool // the passphrase was asked for
}

var _ page = (*restorePage)(nil)

func newRestorePage(c *common) (*restorePage, tea.Cmd) {
	p := &restorePage{c: c, keys: defaultRestoreKeys()}
	p.path = textinput.New()
	p.path.Prompt = ""
	p.path.Placeholder = "/media/you/KEYS-A/keys-backup-….tar.gz"
	p.path.SetStyles(c.styles.Input)
	p.pass = newSecretInput(c.styles, "the archive's passphrase")
	p.setKeys()
	return p, tea.Batch(p.path.Focus(), findArchiveCmd(c))
}

// findArchiveCmd looks for the newest backup archive on the drives.
func findArchiveCmd(c *common) tea.Cmd {
	d, dir := drivesOf(c), c.store.Dir()
	return func() tea.Msg {
		ds, _ := d.List(dir)
		var found []string
		for _, dr := range ds {
			if dr.Stale {
				continue
			}
			m, _ := filepath.Glob(filepath.Join(dr.Mount, "keys-backup-*.tar.gz*"))
			for _, f := range m {
				if !strings.HasSuffix(f, ".sha256") {
					found = append(found, f)
				}
			}
		}
		slices.SortFunc(found, func(a, b string) int { return strings.Compare(filepath.Base(b), filepath.Base(a)) })
		if len(found) == 0 {
			return archiveFoundMsg{}
		}
		return archiveFoundMsg{path: found[0]}
	}
}

func readArchiveCmd(path string) tea.Cmd {
	return func() tea.Msg {
		data, err := vault.ReadArchive(path)
		return archiveReadMsg{data: data, err: err}
	}
}

func drillCmd(s *vault.Store, data, pass []byte) tea.Cmd {
	return func() tea.Msg {
		rep, err := s.Drill(data, passFunc(pass))
		return drilledMsg{rep: rep, err: err}
	}
}

func restoreArchiveCmd(s *vault.Store, data, pass []byte, policy vault.ConflictPolicy) tea.Cmd {
	return func() tea.Msg {
		res, err := s.Restore(data, vault.RestoreOptions{Passphrase: passFunc(pass), Conflict: policy, Now: time.Now()})
		return restoredMsg{res: res, err: err}
	}
}

func passFunc(pass []byte) vault.ArchivePassphraseFunc {
	if pass == nil {
		return nil
	}
	return func() ([]byte, error) { return append([]byte(nil), pass...), nil }
}

func (p *restorePage) Title() string          { return "Restore or drill a backup" }
func (p *restorePage) Capturing() bool        { return p.step == restorePath || p.step == restorePass }
func (p *restorePage) Busy() bool             { return p.step == restoreWorking }
func (p *restorePage) SetSize(w, h int)       { p.width, p.height = w, h; p.path.SetWidth(max(w-4, 10)) }
func (p *restorePage) Refresh(*snapshot) bool { return true }

func (p *restorePage) setKeys() {
	p.keys.Next.SetEnabled(p.step == restorePath || p.step == restorePass)
	p.keys.Restore.SetEnabled(p.step == restoreReport)
	p.keys.KeepBoth.SetEnabled(p.step == restoreReport && p.rep != nil && !p.rep.OK())
	p.keys.Back.SetEnabled(p.step != restoreWorking)
}

func (p *restorePage) secret() []byte {
	if !p.asked {
		return nil
	}
	return []byte(p.pass.Value())
}

func (p *restorePage) Update(msg tea.Msg) (page, tea.Cmd) {
	defer p.setKeys()
	switch msg := msg.(type) {
	case archiveFoundMsg:
		if msg.path != "" && p.path.Value() == "" {
			p.path.SetValue(msg.path)
			p.path.CursorEnd()
		}
		return p, nil
	case archiveReadMsg:
		if msg.err != nil {
			p.step, p.err = restorePath, msg.err
			return p, p.path.Focus()
		}
		p.data = msg.data
		if vault.IsEncryptedArchive(p.data) && !p.asked {
			p.step, p.asked = restorePass, true
			return p, p.pass.Focus()
		}
		return p, drillCmd(p.c.store, p.data, p.secret())
	case drilledMsg:
		if msg.err != nil {
			p.err = msg.err
			if errors.Is(msg.err, vault.ErrArchiveWrongPassphrase) {
				p.step = restorePass
				p.pass.SetValue("")
				return p, p.pass.Focus()
			}
			p.step = restorePath
			return p, p.path.Focus()
		}
		p.step, p.rep, p.err = restoreReport, msg.rep, nil
		return p, nil
	case restoredMsg:
		p.res, p.err = msg.res, msg.err
		if msg.err != nil {
			p.step = restoreReport
			return p, nil
		}
		p.step = restoreDone
		p.pass.SetValue("")
		return p, send(reloadRequestedMsg{})
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return p, nil
	}
	if key.Matches(km, p.keys.Back) {
		p.pass.SetValue("")
		return p, send(backRequestedMsg{})
	}
	switch p.step {
	case restorePath:
		if key.Matches(km, p.keys.Next) {
			p.err = nil
			p.step = restoreWorking
			p.path.Blur()
			return p, tea.Batch(readArchiveCmd(strings.TrimSpace(p.path.Value())), p.c.spinner.Tick)
		}
		var cmd tea.Cmd
		p.path, cmd = p.path.Update(msg)
		return p, cmd
	case restorePass:
		if key.Matches(km, p.keys.Next) {
			p.err = nil
			p.step = restoreWorking
			p.pass.Blur()
			return p, tea.Batch(drillCmd(p.c.store, p.data, p.secret()), p.c.spinner.Tick)
		}
		var cmd tea.Cmd
		p.pass, cmd = p.pass.Update(msg)
		return p, cmd
	case restoreReport:
		switch {
		case key.Matches(km, p.keys.Restore):
			p.step = restoreWorking
			return p, tea.Batch(restoreArchiveCmd(p.c.store, p.data, p.secret(), vault.ConflictRefuse), p.c.spinner.Tick)
		case key.Matches(km, p.keys.KeepBoth):
			p.step = restoreWorking
			return p, tea.Batch(restoreArchiveCmd(p.c.store, p.data, p.secret(), vault.ConflictKeepBoth), p.c.spinner.Tick)
		}
	}
	return p, nil
}

func (p *restorePage) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Next, p.keys.Restore, p.keys.KeepBoth, p.keys.Back}
}

func (p *restorePage) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *restorePage) View() string {
	st := p.c.styles
	var b strings.Builder
	line := func(s string) { b.WriteString(truncate(s, p.width) + "\n") }
	para := func(s string) { b.WriteString(wrap(s, p.width) + "\n") }
	para("A drill opens a backup, checks every digest and compares it with the keys here, writing nothing. A restore writes only what is missing here, and never over a key that differs.")
	line("")
	line("Archive:")
	line("  " + p.path.View())
	if p.step == restorePass || (p.asked && p.step != restorePath) {
		line("Passphrase:")
		line("  " + p.pass.View())
	}
	if p.err != nil {
		line("")
		para(st.Bad.Render(p.err.Error()))
	}
	if p.step == restoreWorking {
		line("")
		line(p.c.spinner.View() + " Reading and checking…")
	}
	if p.rep != nil && p.step >= restoreReport {
		line("")
		r := p.rep
		counts := map[vault.DrillState]int{}
		for _, k := range r.Keys {
			counts[k.State]++
		}
		head := fmt.Sprintf("Drill: the archive opens and every digest matches: %d keys the same as here, %d changed here since, %d only in the backup, %d here but not in it.",
			counts[vault.DrillSame], counts[vault.DrillDiffers], counts[vault.DrillOnlyInBackup], len(r.NotCovered))
		if r.OK() {
			para(st.OK.Render(head))
		} else {
			para(st.Warn.Render(head))
		}
		for _, k := range r.Keys {
			if k.State != vault.DrillSame {
				line(fmt.Sprintf("  %s %s key %s: %s", stateMarkUI(k.State), roleOrDash(k.Role), vault.ShortID(k.ID), k.State))
			}
		}
		for _, k := range r.NotCovered {
			line(fmt.Sprintf("  ✗ %s key %s: here, not in the backup", roleOrDash(k.Role), k.ShortID()))
		}
	}
	if p.step == restoreDone && p.res != nil {
		line("")
		n := 0
		for _, w := range p.res.Written {
			if strings.HasSuffix(w, ".key") {
				n++
			}
		}
		para(st.OK.Render(fmt.Sprintf("Restored %s (%s written, %d already here).", plural(n, "key", "keys"), plural(len(p.res.Written), "file", "files"), len(p.res.Identical))))
		for _, c := range p.res.Conflicts {
			if c.RestoredAs != "" {
				line("  " + c.Name + " differs here: the backup's copy is " + c.RestoredAs)
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func stateMarkUI(s vault.DrillState) string {
	if s == vault.DrillOnlyInBackup {
		return "+"
	}
	return "!"
}

func roleOrDash(r string) string {
	if r == "" {
		return "-"
	}
	return r
}
