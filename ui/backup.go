package ui

// The guided backup: pick two drives (and see why the others are not
// offered), plain or encrypted, write both with a progress bar, verify
// both, offer to eject, summarise.

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
)

type backupStep int

const (
	backupLoading backupStep = iota
	backupPick
	backupMode
	backupPassphrase
	backupWriting
	backupDone
)

type backupKeys struct {
	Up, Down, Toggle, Next, Eject, Rescan, Back key.Binding
}

func defaultBackupKeys() backupKeys {
	return backupKeys{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Toggle: key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("space", "choose")),
		Next:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Eject:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "eject both")),
		Rescan: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "look again")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// Messages of the backup flow.
type (
	drivesListedMsg   struct{ drives []vault.Drive }
	backupPlannedMsg  struct{ plan *vault.BackupPlan }
	backupProgressMsg struct{ p vault.BackupProgress }
	backupDoneMsg     struct{ res *vault.BackupResult }
	drivesEjectedMsg  struct{ lines []string }
)

// backupPage is the guided backup.
type backupPage struct {
	c             *common
	keys          backupKeys
	width, height int

	step   backupStep
	drives []vault.Drive
	list   listView // the cursor over drives
	picked []int    // indexes into drives, in the order chosen
	// planning is set while the engine checks the two drives chosen.
	planning bool
	encrypt  bool
	ch       *passphraseChooser
	plan     *vault.BackupPlan
	events   chan tea.Msg
	prog     map[int]vault.BackupProgress
	res      *vault.BackupResult
	err      error
	ejected  []string
	note     string
}

var _ page = (*backupPage)(nil)

func newBackupPage(c *common) (*backupPage, tea.Cmd) {
	p := &backupPage{c: c, keys: defaultBackupKeys(), prog: map[int]vault.BackupProgress{}}
	p.setKeys()
	return p, tea.Batch(listDrivesCmd(c), c.spinner.Tick)
}

// drivesOf is the detector of this run.
func drivesOf(c *common) *vault.Drives {
	if c.drives != nil {
		return c.drives
	}
	return vault.SystemDrives()
}

func listDrivesCmd(c *common) tea.Cmd {
	d, dir := drivesOf(c), c.store.Dir()
	return func() tea.Msg {
		ds, err := d.List(dir)
		if err != nil {
			return errorMsg{err: err}
		}
		return drivesListedMsg{drives: ds}
	}
}

func planBackupCmd(c *common, dirs []string) tea.Cmd {
	s, d := c.store, drivesOf(c)
	return func() tea.Msg {
		plan, err := s.PlanBackup(d, dirs)
		if err != nil {
			return errorMsg{err: err}
		}
		return backupPlannedMsg{plan: plan}
	}
}

// startBackupCmd runs the backup behind the event loop; its progress
// comes back through events, one message per wait.
func startBackupCmd(s *vault.Store, plan *vault.BackupPlan, pass []byte, events chan tea.Msg) tea.Cmd {
	go func() {
		defer zero(pass)
		res, err := s.Backup(plan, vault.BackupOptions{Passphrase: pass, Progress: func(p vault.BackupProgress) {
			select {
			case events <- backupProgressMsg{p: p}:
			default: // the screen is behind: drop a step, never block the write
			}
		}})
		if err != nil {
			events <- errorMsg{err: err}
			return
		}
		events <- backupDoneMsg{res: res}
	}()
	return waitEventCmd(events)
}

func waitEventCmd(events chan tea.Msg) tea.Cmd { return func() tea.Msg { return <-events } }

func ejectCmd(c *common, drives []vault.Drive) tea.Cmd {
	d := drivesOf(c)
	return func() tea.Msg {
		var lines []string
		for _, dr := range drives {
			said, err := d.Eject(dr)
			if err != nil {
				lines = append(lines, "✗ "+err.Error())
			} else {
				lines = append(lines, "✓ "+said)
			}
		}
		return drivesEjectedMsg{lines: lines}
	}
}

func (p *backupPage) Title() string { return "Back up to two drives" }

// interruption says what quitting now would leave on the drives.
func (p *backupPage) interruption() string {
	if p.step != backupWriting || p.plan == nil {
		return ""
	}
	var states []string
	for i, t := range p.plan.Targets {
		pr, ok := p.prog[i]
		switch {
		case !ok:
			states = append(states, t.Name()+": nothing written yet")
		case pr.Stage == vault.StageDone:
			states = append(states, t.Name()+": its copy is written and verified")
		default:
			states = append(states, t.Name()+": "+pr.Stage.String()+", its copy is incomplete and would not count as a backup")
		}
	}
	return "The backup is still running (" + strings.Join(states, "; ") + ")."
}
func (p *backupPage) Capturing() bool {
	return p.step == backupPassphrase && p.ch != nil && p.ch.capturing()
}
func (p *backupPage) Busy() bool {
	return p.step == backupLoading || p.step == backupWriting || p.planning
}
func (p *backupPage) SetSize(w, h int)       { p.width, p.height = w, h }
func (p *backupPage) Refresh(*snapshot) bool { return true }

func (p *backupPage) setKeys() {
	k := &p.keys
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Toggle, &k.Next, &k.Eject, &k.Rescan, &k.Back} {
		b.SetEnabled(false)
	}
	switch p.step {
	case backupPick:
		k.Up.SetEnabled(true)
		k.Down.SetEnabled(true)
		k.Toggle.SetEnabled(true)
		k.Rescan.SetEnabled(true)
		k.Next.SetEnabled(len(p.picked) == 2)
		k.Back.SetEnabled(true)
	case backupMode:
		k.Up.SetEnabled(true)
		k.Down.SetEnabled(true)
		k.Next.SetEnabled(true)
		k.Back.SetEnabled(true)
	case backupDone:
		k.Eject.SetEnabled(p.ejected == nil && p.res != nil)
		k.Next.SetHelp("enter", "done")
		k.Next.SetEnabled(true)
		k.Back.SetHelp("esc", "done")
		k.Back.SetEnabled(true)
	case backupLoading:
		k.Back.SetEnabled(true)
	}
}

func (p *backupPage) Update(msg tea.Msg) (page, tea.Cmd) {
	defer p.setKeys()
	switch msg := msg.(type) {
	case drivesListedMsg:
		p.step, p.drives, p.err, p.picked = backupPick, msg.drives, nil, nil
		p.list = listView{}
		p.list.setLen(len(p.drives))
		p.list.setHeight(len(p.drives))
		return p, nil
	case backupPlannedMsg:
		p.plan, p.step, p.note, p.planning = msg.plan, backupMode, "", false
		return p, nil
	case backupProgressMsg:
		p.prog[msg.p.Target] = msg.p
		return p, waitEventCmd(p.events)
	case backupDoneMsg:
		p.step, p.res, p.err = backupDone, msg.res, nil
		return p, send(reloadRequestedMsg{})
	case errorMsg:
		return p, p.failed(msg.err)
	case drivesEjectedMsg:
		p.ejected = msg.lines
		return p, nil
	}
	if p.step == backupPassphrase {
		res, cmd := p.ch.Update(msg)
		switch res {
		case chooserCancelled:
			p.step = backupMode
			return p, cmd
		case chooserDone:
			pass, clear := p.ch.take()
			return p, tea.Batch(clear, p.start(pass))
		}
		return p, cmd
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return p, nil
	}
	switch p.step {
	case backupLoading:
		if key.Matches(km, p.keys.Back) {
			return p, send(backRequestedMsg{})
		}
	case backupPick:
		return p, p.updatePick(km)
	case backupMode:
		return p, p.updateMode(km)
	case backupDone:
		return p, p.updateDone(km)
	}
	return p, nil
}

// failed says why an engine call failed: the drives could not be listed
// or planned (the picker says so), or the backup failed (the summary).
func (p *backupPage) failed(err error) tea.Cmd {
	switch {
	case p.step == backupLoading:
		p.step, p.drives, p.err, p.picked = backupPick, nil, err, nil
		p.list = listView{}
	case p.planning:
		p.planning, p.note = false, err.Error()
	case p.step == backupWriting:
		p.step, p.res, p.err = backupDone, nil, err
		return send(reloadRequestedMsg{})
	}
	return nil
}

func (p *backupPage) updatePick(km tea.KeyPressMsg) tea.Cmd {
	switch {
	case p.planning:
	case key.Matches(km, p.keys.Back):
		return send(backRequestedMsg{})
	case key.Matches(km, p.keys.Up):
		p.list.move(-1)
	case key.Matches(km, p.keys.Down):
		p.list.move(1)
	case key.Matches(km, p.keys.Rescan):
		p.step, p.note = backupLoading, ""
		return tea.Batch(listDrivesCmd(p.c), p.c.spinner.Tick)
	case key.Matches(km, p.keys.Toggle):
		p.toggle()
	case key.Matches(km, p.keys.Next):
		dirs := []string{p.drives[p.picked[0]].Mount, p.drives[p.picked[1]].Mount}
		p.note, p.planning = "Checking the drives…", true
		return tea.Batch(planBackupCmd(p.c, dirs), p.c.spinner.Tick)
	}
	return nil
}

func (p *backupPage) updateMode(km tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(km, p.keys.Back):
		p.step = backupPick
	case key.Matches(km, p.keys.Up), key.Matches(km, p.keys.Down):
		p.encrypt = !p.encrypt
	case key.Matches(km, p.keys.Next):
		if !p.encrypt {
			return p.start(nil)
		}
		p.step = backupPassphrase
		p.ch = newPassphraseChooser(p.c, "root", false)
		return p.ch.init()
	}
	return nil
}

func (p *backupPage) updateDone(km tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(km, p.keys.Eject):
		var ds []vault.Drive
		for _, c := range p.res.Copies {
			ds = append(ds, c.Target.Drive)
		}
		p.ejected = []string{"Ejecting…"}
		return ejectCmd(p.c, ds)
	case key.Matches(km, p.keys.Next), key.Matches(km, p.keys.Back):
		return send(backRequestedMsg{})
	}
	return nil
}

func (p *backupPage) toggle() {
	if !p.list.selected() {
		return
	}
	cur := p.list.cursor
	d := p.drives[cur]
	for i, j := range p.picked {
		if j == cur {
			p.picked = append(p.picked[:i], p.picked[i+1:]...)
			p.note = ""
			return
		}
	}
	switch {
	case !d.Eligible:
		p.note = d.Mount + " is not offered: " + d.Reason
	case len(p.picked) == 2:
		p.note = "Two drives are chosen; unchoose one first."
	default:
		for _, j := range p.picked {
			if p.drives[j].Identity.Same(d.Identity) {
				p.note = d.Mount + " is on the same device as " + p.drives[j].Mount + " (" + d.Identity.String() + "): choose another drive"
				return
			}
		}
		p.picked = append(p.picked, cur)
		p.note = ""
	}
}

func (p *backupPage) start(pass []byte) tea.Cmd {
	p.step = backupWriting
	p.events = make(chan tea.Msg, 64)
	return tea.Batch(startBackupCmd(p.c.store, p.plan, pass, p.events), p.c.spinner.Tick)
}

func (p *backupPage) ShortHelp() []key.Binding {
	if p.step == backupPassphrase {
		return p.ch.help()
	}
	return []key.Binding{p.keys.Toggle, p.keys.Next, p.keys.Eject, p.keys.Up, p.keys.Down, p.keys.Rescan, p.keys.Back}
}

func (p *backupPage) FullHelp() [][]key.Binding {
	if p.step == backupPassphrase {
		return p.ch.fullHelp()
	}
	return [][]key.Binding{p.ShortHelp()}
}

func (p *backupPage) View() string {
	st := p.c.styles
	var b strings.Builder
	line := func(s string) { b.WriteString(truncate(s, p.width) + "\n") }
	para := func(s string) { b.WriteString(wrap(s, p.width) + "\n") }
	switch p.step {
	case backupLoading:
		line(p.c.spinner.View() + " Looking for drives…")
	case backupPick:
		para("Choose two drives: two devices, to be kept in two places. Each copy is read back from its drive and checked.")
		line("")
		if p.err != nil {
			para(st.Bad.Render(p.err.Error()))
		}
		if n := eligibleDrives(p.drives); n < 2 && p.err == nil {
			para(st.Warn.Render(noDrivesAdvice(len(p.drives), n)))
		}
		for i, d := range p.drives {
			mark := "[ ]"
			for n, j := range p.picked {
				if j == i {
					mark = fmt.Sprintf("[%d]", n+1)
				}
			}
			cur := "  "
			if i == p.list.cursor {
				cur = "▸ "
			}
			enc := ""
			if d.Encrypted {
				enc = ", encrypted"
			}
			row := fmt.Sprintf("%s%s %-12s %s · %s%s · %s free", cur, mark, truncate(d.Label, 12), d.Mount, d.Identity, enc, vault.SizeString(d.FreeBytes))
			if !d.Eligible {
				row = fmt.Sprintf("%s    %-12s %s · not offered: %s", cur, truncate(d.Label, 12), d.Mount, d.Reason)
				line(st.Faint.Render(truncate(row, p.width)))
			} else {
				line(row)
			}
			for _, w := range d.Warnings {
				line(st.Warn.Render("      ! " + w))
			}
		}
		if p.note != "" {
			line("")
			para(p.note)
		}
	case backupMode:
		para("The archive holds every key file of private/ (still under its passphrase) and the cached metadata.")
		line("")
		opts := []string{
			"Plain tar.gz: docker's own tar restores it (umask 077; tar -xzf FILE -C ~/.docker/trust)",
			"Encrypted with age under a passphrase: hides the file names too; age -d opens it",
		}
		for i, o := range opts {
			cur := "  "
			if (i == 1) == p.encrypt {
				cur = "▸ "
			}
			line(cur + o)
		}
		line("")
		for _, t := range p.plan.Targets {
			line("  to " + t.Name() + " · " + t.Drive.Identity.String())
		}
		for _, w := range p.plan.Warnings {
			line(st.Warn.Render("  ! " + w))
		}
	case backupPassphrase:
		para("The archive's passphrase. It protects the root keys' files on the drives: it needs the root key's minimum.")
		line("")
		b.WriteString(p.ch.View(p.width))
	case backupWriting, backupDone:
		if p.step == backupWriting {
			line(p.c.spinner.View() + " Writing and verifying both drives…")
		} else {
			p.summary(line, para)
		}
		line("")
		for i, t := range p.plan.Targets {
			pr := p.prog[i]
			state := pr.Stage.String()
			if p.res != nil && i < len(p.res.Copies) {
				if err := p.res.Copies[i].Err; err != nil {
					para(st.Bad.Render("✗ " + t.Name() + ": " + err.Error()))
					continue
				}
				para(st.OK.Render("✓ "+t.Name()+": verified, read back from the drive") + " · " + p.res.Copies[i].Written.Path)
				continue
			}
			barW := max(min(p.width-40, 40), 4)
			bar := progressBar(st, int(pr.Done), int(max(pr.Total, 1)), barW)
			switch _, started := p.prog[i]; {
			case !started:
				// The archive is packed (and encrypted) before any copy
				// is written, and the engine says nothing until then.
				state, bar = "preparing", p.c.spinner.View()+" packing and encrypting the archive"
			case pr.Stage == vault.StageSync:
				bar = p.c.spinner.View() + " flushing to the drive"
			case pr.Stage == vault.StageVerify && pr.Total == 0:
				bar = p.c.spinner.View() + " reading it back"
			}
			line(fmt.Sprintf("  %-20s %-9s %s", truncate(t.Name(), 20), state, bar))
		}
		for _, l := range p.ejected {
			para(l)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// eligibleDrives counts the drives a backup may go to.
func eligibleDrives(ds []vault.Drive) int {
	n := 0
	for _, d := range ds {
		if d.Eligible {
			n++
		}
	}
	return n
}

// noDrivesAdvice says why the backup cannot start yet and what to do.
func noDrivesAdvice(mounted, eligible int) string {
	switch {
	case mounted == 0:
		return "No drives are mounted. Plug in two USB drives, then press s."
	case eligible == 0:
		return "None of the mounted drives can take a backup (each says why below). Plug in two USB drives, then press s."
	default:
		return "Only one drive can take a backup: a copy is lost with its drive, so it takes two. Plug in a second USB drive, then press s."
	}
}

// summary says what the backup did.
func (p *backupPage) summary(line, para func(string)) {
	st := p.c.styles
	if p.res == nil {
		para(st.Bad.Render("The backup failed: " + p.err.Error()))
		return
	}
	ok := len(p.res.Copies) - p.res.Failed()
	head := fmt.Sprintf("%d of %d copies verified: %s in %s (%s, SHA-256 %s…)", ok, len(p.res.Copies),
		plural(len(p.res.Keys), "key", "keys"), p.res.Archive, vault.SizeString(uint64(p.res.Size)), p.res.SHA256[:12])
	if ok == len(p.res.Copies) {
		line(st.OK.Render(head))
	} else {
		line(st.Warn.Render(head))
	}
	if p.ejected == nil {
		para("Eject both drives before unplugging them (e), and keep them in two places.")
	}
}
