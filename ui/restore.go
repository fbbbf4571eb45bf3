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

// Results of the restore page's engine calls.
type (
	archiveFoundMsg struct{ path string }
	archiveReadMsg  struct{ data []byte }
	drilledMsg      struct{ rep *vault.DrillReport }
	restoredMsg     struct{ res *vault.RestoreResult }
)

type restorePage struct {
	c             *common
	keys          restoreKeys
	width, height int

	step restoreStep
	// doing is the engine call the page waits for (restoreWorking).
	doing restoreCall
	path  *form
	pass  *form
	data  []byte
	rep   *vault.DrillReport
	res   *vault.RestoreResult
	err   error // why the restore failed
	asked bool  // the passphrase was asked for
	// conflict is how the next restore treats keys that differ here.
	conflict vault.ConflictPolicy
}

var _ page = (*restorePage)(nil)

// restoreCall is an engine call of the restore page.
type restoreCall int

const (
	callRead restoreCall = iota
	callDrill
	callRestore
)

func newRestorePage(c *common) (*restorePage, tea.Cmd) {
	p := &restorePage{c: c, keys: defaultRestoreKeys()}
	path := newField(c.styles, fieldPath, "Archive", "Archive", false)
	path.input.Placeholder = "/media/you/KEYS-A/keys-backup-….tar.gz"
	pass := newField(c.styles, fieldPass, "Passphrase", "Passphrase", true)
	pass.input.Placeholder = "the archive's passphrase"
	p.path, p.pass = newForm(path), newForm(pass)
	for _, f := range []*form{p.path, p.pass} {
		f.keys.Submit = p.keys.Next
		f.keys.Cancel = p.keys.Back
	}
	p.setKeys()
	return p, tea.Batch(p.path.focusOn(0), findArchiveCmd(c))
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
		if err != nil {
			return errorMsg{err: err}
		}
		return archiveReadMsg{data: data}
	}
}

func drillCmd(s *vault.Store, data, pass []byte) tea.Cmd {
	return func() tea.Msg {
		rep, err := s.Drill(data, passFunc(pass))
		if err != nil {
			return errorMsg{err: err}
		}
		return drilledMsg{rep: rep}
	}
}

func restoreArchiveCmd(s *vault.Store, data, pass []byte, policy vault.ConflictPolicy) tea.Cmd {
	return func() tea.Msg {
		res, err := s.Restore(data, vault.RestoreOptions{Passphrase: passFunc(pass), Conflict: policy, Now: time.Now()})
		if err != nil {
			return errorMsg{err: err}
		}
		return restoredMsg{res: res}
	}
}

func passFunc(pass []byte) vault.ArchivePassphraseFunc {
	if pass == nil {
		return nil
	}
	return func() ([]byte, error) { return append([]byte(nil), pass...), nil }
}

func (p *restorePage) Title() string { return "Restore or drill a backup" }

// interruption says what quitting now would leave.
func (p *restorePage) interruption() string {
	if p.step != restoreWorking {
		return ""
	}
	if p.doing == callRestore {
		return "The restore is writing key files: those written so far stay (each is written whole or not at all), the rest would be missing, and no key here is written over. The backup drive is only read."
	}
	return "The backup is being read and checked; nothing has been written, and the drive is only read."
}
func (p *restorePage) Capturing() bool        { return p.step == restorePath || p.step == restorePass }
func (p *restorePage) Busy() bool             { return p.step == restoreWorking }
func (p *restorePage) SetSize(w, h int)       { p.width, p.height = w, h }
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
	return p.pass.value(fieldPass)
}

func (p *restorePage) Update(msg tea.Msg) (page, tea.Cmd) {
	defer p.setKeys()
	switch msg := msg.(type) {
	case archiveFoundMsg:
		if fl := p.path.field(fieldPath); msg.path != "" && fl.input.Value() == "" {
			fl.input.SetValue(msg.path)
			fl.input.CursorEnd()
		}
		return p, nil
	case archiveReadMsg:
		p.data = msg.data
		if vault.IsEncryptedArchive(p.data) && !p.asked {
			p.step, p.asked = restorePass, true
			return p, p.pass.focusOn(0)
		}
		return p, p.call(callDrill)
	case drilledMsg:
		p.step, p.rep, p.err = restoreReport, msg.rep, nil
		return p, nil
	case restoredMsg:
		p.step, p.res, p.err = restoreDone, msg.res, nil
		p.pass.reset()
		return p, send(reloadRequestedMsg{})
	case errorMsg:
		return p, p.failed(msg.err)
	}
	switch p.step {
	case restorePath:
		return p, p.updateForm(p.path, msg, callRead)
	case restorePass:
		return p, p.updateForm(p.pass, msg, callDrill)
	}
	km, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case key.Matches(km, p.keys.Back):
		p.pass.reset()
		return p, send(backRequestedMsg{})
	case key.Matches(km, p.keys.Restore):
		p.conflict = vault.ConflictRefuse
		return p, p.call(callRestore)
	case key.Matches(km, p.keys.KeepBoth):
		p.conflict = vault.ConflictKeepBoth
		return p, p.call(callRestore)
	}
	return p, nil
}

// updateForm runs the archive's or the passphrase's form; enter starts
// the next engine call, esc leaves.
func (p *restorePage) updateForm(f *form, msg tea.Msg, next restoreCall) tea.Cmd {
	res, cmd := f.Update(msg)
	switch res {
	case formCancelled:
		p.pass.reset()
		return send(backRequestedMsg{})
	case formSubmitted:
		f.blur()
		return p.call(next)
	}
	return cmd
}

// call starts an engine call.
func (p *restorePage) call(c restoreCall) tea.Cmd {
	p.step, p.doing, p.err = restoreWorking, c, nil
	var cmd tea.Cmd
	switch c {
	case callRead:
		cmd = readArchiveCmd(strings.TrimSpace(p.path.text(fieldPath)))
	case callDrill:
		cmd = drillCmd(p.c.store, p.data, p.secret())
	case callRestore:
		cmd = restoreArchiveCmd(p.c.store, p.data, p.secret(), p.conflict)
	}
	return tea.Batch(cmd, p.c.spinner.Tick)
}

// failed says why the call failed where the person can act on it: at the
// archive's path, at its passphrase, or under the drill's report.
func (p *restorePage) failed(err error) tea.Cmd {
	switch {
	case p.doing == callRestore:
		p.step, p.err = restoreReport, err
		return nil
	case p.doing == callDrill && errors.Is(err, vault.ErrArchiveWrongPassphrase):
		p.step = restorePass
		p.pass.reset()
		return p.pass.fail(fieldPass, err.Error())
	}
	p.step = restorePath
	return p.path.fail(fieldPath, err.Error())
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
	b.WriteString(p.path.View(st, p.width) + "\n")
	if p.step == restorePass || (p.asked && p.step != restorePath) {
		b.WriteString(p.pass.View(st, p.width) + "\n")
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
				para(fmt.Sprintf("  %s %s key %s: %s", stateMarkUI(k.State), orDash(k.Role), vault.ShortID(k.ID), k.State))
			}
		}
		for _, k := range r.NotCovered {
			para(fmt.Sprintf("  ✗ %s key %s: here, not in the backup", orDash(k.Role), k.ShortID()))
		}
	}
	if p.step == restoreDone && p.res != nil {
		line("")
		n := 0
		for _, w := range p.res.Written {
			if vault.IsKeyEntry(w) {
				n++
			}
		}
		para(st.OK.Render(fmt.Sprintf("Restored %s (%s written, %d already here).", plural(n, "key", "keys"), plural(len(p.res.Written), "file", "files"), len(p.res.Identical))))
		for _, c := range p.res.Conflicts {
			if c.RestoredAs != "" {
				para("  " + c.Name + " differs here: the backup's copy is " + c.RestoredAs)
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
