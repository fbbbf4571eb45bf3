package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/publish"
)

// publishKeys open the publish page from a repository's page.
type publishKeys struct {
	Sign, Revoke, AddSigner, Rotate key.Binding
}

func defaultPublishKeys() publishKeys {
	return publishKeys{
		Sign:      key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "sign a tag")),
		Revoke:    key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "revoke a tag")),
		AddSigner: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add a signer")),
		Rotate:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "rotate a key")),
	}
}

func (k publishKeys) all() []key.Binding {
	return []key.Binding{k.Sign, k.Revoke, k.AddSigner, k.Rotate}
}

func (k *publishKeys) setEnabled(on bool) {
	for _, b := range []*key.Binding{&k.Sign, &k.Revoke, &k.AddSigner, &k.Rotate} {
		b.SetEnabled(on)
	}
}

// open is the publish page for the key msg, when it is one of them.
func (k publishKeys) open(c *common, gun string, msg tea.KeyPressMsg) (tea.Cmd, bool) {
	for i, b := range k.all() {
		if !key.Matches(msg, b) {
			continue
		}
		if why := publishBlocker(c); why != "" {
			return errorCmd(disabledError{disabledAction{binding: b, why: why}}), true
		}
		np, cmd := newPublishPage(c, gun, pubAction(i), nil)
		return openPage(np, cmd), true
	}
	return nil, false
}

// rotateFromGuide opens the rotation a lost-key guide ends in, with the
// guide's context.
func rotateFromGuide(c *common, b key.Binding, d health.GuideData) tea.Cmd {
	if why := publishBlocker(c); why != "" {
		return errorCmd(disabledError{disabledAction{binding: b, why: why}})
	}
	np, cmd := newPublishPage(c, d.GUN, pubRotate, &d)
	return openPage(np, cmd)
}

// publishPage makes one change of a repository on its notary server:
// the change's questions, a confirmation that says what will be published
// and which keys sign (the engine's plan), the passphrase, PIN and touch
// prompts while the keys sign, and what was published or why nothing was.
type publishPage struct {
	c             *common
	keys          publishPageKeys
	width, height int
	action        pubAction
	gun           string
	context       string // why, when opened from a lost-key guide
	guideKeyID    string

	step    pubStep
	form    *form
	choices []pubChoice
	pick    int
	req     pubRequest
	plan    *publish.Plan
	msg     string // an error shown over the form or the confirmation

	run      *publishRun
	asked    *pubAskedMsg
	secret   *form
	ch       *passphraseChooser
	touching bool
	res      *publish.Result
	err      error
}

var _ page = (*publishPage)(nil)

type pubStep int

const (
	pubAsk      pubStep = iota // the form or the pick list
	pubPlanning                // the engine works the change out
	pubConfirm                 // what will be published, which keys sign
	pubRunning                 // signing and publishing (prompts on top)
	pubDone                    // the result
)

type publishPageKeys struct {
	Publish, Edit, Done, Up, Down, Choose, Cancel key.Binding
}

func defaultPublishPageKeys() publishPageKeys {
	return publishPageKeys{
		Publish: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "publish")),
		Edit:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back, nothing published")),
		Done:    key.NewBinding(key.WithKeys("enter", "esc", "q"), key.WithHelp("enter", "done")),
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑", "previous")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "next")),
		Choose:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// newPublishPage opens action on gun; guide, when set, is the lost-key
// guide a rotation was opened from.
func newPublishPage(c *common, gun string, action pubAction, guide *health.GuideData) (*publishPage, tea.Cmd) {
	p := &publishPage{c: c, keys: defaultPublishPageKeys(), gun: gun, action: action}
	switch action {
	case pubSign:
		p.form = signForm(c, gun)
	case pubRevoke:
		p.form = revokeForm(c)
		p.keys.Up.SetHelp("↑/↓", "pick a signed tag")
	case pubAddSigner:
		p.form = signerForm(c)
	case pubRotate:
		p.choices = rotateChoices(c, gun)
	}
	if guide != nil {
		p.context, p.guideKeyID = guideContext(*guide), guide.KeyID
		for i, ch := range p.choices {
			if ch.role == guideRole(*guide) && ch.serverManaged == (guide.Kind.String() == "timestamp") {
				p.pick = i
				break
			}
		}
	}
	var cmd tea.Cmd
	if p.form != nil {
		p.form.keys.Submit.SetHelp("enter", "next / review")
		cmd = p.form.focusOn(0)
	}
	if action == pubRevoke {
		cmd = tea.Batch(cmd, signedTagsCmd(c, gun))
	}
	return p, cmd
}

func (p *publishPage) Title() string { return p.action.String() }

func (p *publishPage) Capturing() bool {
	switch {
	case p.step == pubAsk:
		return true
	case p.asked != nil && p.ch != nil:
		return p.ch.capturing()
	}
	return p.asked != nil
}

func (p *publishPage) Busy() bool             { return p.step == pubPlanning || p.step == pubRunning }
func (p *publishPage) SetSize(w, h int)       { p.width, p.height = w, h }
func (p *publishPage) Refresh(*snapshot) bool { return true }

// interruption says what quitting now would leave (for ctrl+c).
func (p *publishPage) interruption() string {
	if p.step == pubRunning && p.asked == nil {
		return "Publishing " + p.gun + " is under way: if it is cut short, the server may or may not have taken the update (pull to see which)."
	}
	return ""
}

func (p *publishPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case pubTagsMsg:
		p.choices, p.pick = tagChoices(msg.tags), -1
		return p, nil
	case pubPlannedMsg:
		return p, p.planned(msg)
	case pubAskedMsg:
		return p, p.ask(msg)
	case touchRequestedMsg:
		if p.run != nil && msg.sig == p.run.touch {
			p.touching = true
			return p, p.run.next()
		}
		return p, nil
	case pubDoneMsg:
		p.step, p.res, p.err, p.touching, p.asked = pubDone, msg.res, msg.err, false, nil
		p.run.stop()
		// The page under this one shows the repository as it is now.
		return p, send(reloadRequestedMsg{})
	case errorMsg:
		p.msg = msg.Error()
		return p, nil
	}
	switch p.step {
	case pubAsk:
		return p, p.updateAsk(msg)
	case pubConfirm:
		return p, p.updateConfirm(msg)
	case pubRunning:
		return p, p.updatePrompt(msg)
	case pubDone:
		if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, p.keys.Done) {
			return p, send(backRequestedMsg{})
		}
	}
	return p, nil
}

// updateAsk takes the form, or the pick list of a rotation.
func (p *publishPage) updateAsk(msg tea.Msg) tea.Cmd {
	km, isKey := msg.(tea.KeyPressMsg)
	if p.form == nil {
		switch {
		case !isKey:
		case key.Matches(km, p.keys.Up):
			p.pick = max(p.pick-1, 0)
		case key.Matches(km, p.keys.Down):
			p.pick = min(p.pick+1, len(p.choices)-1)
		case key.Matches(km, p.keys.Choose):
			ch := p.choices[p.pick]
			return p.review(pubRequest{action: pubRotate, role: ch.role,
				rotate: publish.RotateOptions{ServerManaged: ch.serverManaged}, what: "rotate the " + ch.label + " key"})
		case key.Matches(km, p.keys.Cancel):
			return send(backRequestedMsg{})
		}
		return nil
	}
	if isKey && p.action == pubRevoke && len(p.choices) > 0 && (key.Matches(km, p.keys.Up) && km.String() == "up" || key.Matches(km, p.keys.Down) && km.String() == "down") {
		return p.pickTag(km)
	}
	res, cmd := p.form.Update(msg)
	switch res {
	case formCancelled:
		return send(backRequestedMsg{})
	case formSubmitted:
		return p.review(p.request())
	}
	return cmd
}

// pickTag moves through the signed tags, filling the tag field.
func (p *publishPage) pickTag(km tea.KeyPressMsg) tea.Cmd {
	if key.Matches(km, p.keys.Up) {
		p.pick = max(p.pick-1, 0)
	} else {
		p.pick = min(p.pick+1, len(p.choices)-1)
	}
	p.form.field(fieldTag).input.SetValue(p.choices[p.pick].label)
	p.form.msg = ""
	return nil
}

// request is what the form holds (checked by its fields).
func (p *publishPage) request() pubRequest {
	f := p.form
	tag := strings.TrimSpace(f.text(fieldTag))
	switch p.action {
	case pubSign:
		size, _ := parseSize(f.text(fieldSize))
		return pubRequest{action: pubSign, tag: tag, digest: strings.TrimSpace(f.text(fieldDigest)), size: size,
			role: strings.TrimSpace(f.text(fieldRole)), what: "sign " + p.gun + ":" + tag}
	case pubRevoke:
		return pubRequest{action: pubRevoke, tag: tag, what: "revoke " + p.gun + ":" + tag}
	}
	name := strings.TrimSpace(f.text(fieldName))
	return pubRequest{action: pubAddSigner, name: name, keys: []publish.KeySource{publish.KeySourceOf(strings.TrimSpace(f.text(fieldKey)))},
		what: "add signer " + name + " (its key into targets/releases and targets/" + name + ")"}
}

// review asks the engine for the plan of req.
func (p *publishPage) review(req pubRequest) tea.Cmd {
	req.gun, req.guideKeyID = p.gun, p.guideKeyID
	p.req, p.step, p.msg = req, pubPlanning, ""
	if p.form != nil {
		p.form.busy = true
	}
	return tea.Batch(planPublishCmd(p.c, req), p.c.spinner.Tick)
}

// planned shows the plan, or takes the person back to the question with
// why there is none.
func (p *publishPage) planned(msg pubPlannedMsg) tea.Cmd {
	if msg.err == nil {
		p.plan, p.step = msg.plan, pubConfirm
		return nil
	}
	p.step = pubAsk
	if p.form != nil { // the focus stays where enter was pressed
		focus := p.form.focus
		p.form.fail("", publishErrorText(msg.err))
		return p.form.focusOn(focus)
	}
	p.msg = publishErrorText(msg.err)
	return nil
}

func (p *publishPage) updateConfirm(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case key.Matches(km, p.keys.Publish):
		p.step = pubRunning
		p.run = startPublish(p.c, p.req)
		return tea.Batch(p.run.next(), p.c.spinner.Tick)
	case key.Matches(km, p.keys.Edit):
		p.step, p.plan = pubAsk, nil
		if p.form != nil {
			p.form.busy = false
			return p.form.focusOn(p.form.focus)
		}
	}
	return nil
}

// ask shows the engine's question: a passphrase, a new one, a PIN.
func (p *publishPage) ask(msg pubAskedMsg) tea.Cmd {
	p.asked, p.touching = &msg, false
	if msg.req.New {
		p.ch = newPassphraseChooser(p.c, msg.req.Role, false)
		return p.ch.init()
	}
	label, short := "Passphrase", "Passphrase"
	if msg.pin != nil {
		label, short = "PIN of "+msg.pin.Name(), "PIN"
	}
	f := newField(p.c.styles, fieldPass, label, short, true)
	f.required = true
	p.secret = newForm(f)
	p.secret.keys.Submit.SetHelp("enter", "sign")
	p.secret.keys.Cancel.SetHelp("esc", "cancel: nothing is published")
	if msg.req.Attempt > 1 {
		return p.secret.fail(fieldPass, "Wrong passphrase. Try again, or esc cancels: nothing is published.")
	}
	return p.secret.focusOn(0)
}

// updatePrompt takes the answer to the engine's question.
func (p *publishPage) updatePrompt(msg tea.Msg) tea.Cmd {
	if p.asked == nil {
		return nil
	}
	if p.ch != nil {
		res, cmd := p.ch.Update(msg)
		switch res {
		case chooserCancelled:
			return tea.Batch(cmd, p.reply(nil, vault.ErrAborted))
		case chooserDone:
			next, clear := p.ch.take()
			return tea.Batch(clear, p.reply(next, nil))
		}
		return cmd
	}
	res, cmd := p.secret.Update(msg)
	switch res {
	case formCancelled:
		return p.reply(nil, vault.ErrAborted)
	case formSubmitted:
		v := p.secret.value(fieldPass)
		p.secret.reset()
		return p.reply(v, nil)
	}
	return cmd
}

// reply gives the engine its answer (the engine zeroes it) and waits for
// what it does next.
func (p *publishPage) reply(v []byte, err error) tea.Cmd {
	a := p.asked
	p.asked, p.secret, p.ch = nil, nil, nil
	a.answer <- hardenAnswer{pass: v, err: err}
	return tea.Batch(p.run.next(), p.c.spinner.Tick)
}

func (p *publishPage) ShortHelp() []key.Binding {
	switch {
	case p.step == pubAsk && p.form == nil:
		return []key.Binding{p.keys.Up, p.keys.Down, p.keys.Choose, p.keys.Cancel}
	case p.step == pubAsk && p.action == pubRevoke && len(p.choices) > 0:
		return append([]key.Binding{p.keys.Up}, p.form.help()...)
	case p.step == pubAsk:
		return p.form.help()
	case p.step == pubConfirm:
		return []key.Binding{p.keys.Publish, p.keys.Edit}
	case p.step == pubDone:
		return []key.Binding{p.keys.Done}
	case p.asked != nil && p.ch != nil:
		return p.ch.help()
	case p.asked != nil:
		return p.secret.help()
	}
	return nil
}

func (p *publishPage) FullHelp() [][]key.Binding {
	if p.asked != nil && p.ch != nil {
		return p.ch.fullHelp()
	}
	return [][]key.Binding{p.ShortHelp()}
}

func (p *publishPage) View() string {
	st := p.c.styles
	var b []string
	line := func(s string) { b = append(b, s) }
	para := func(s string) { line(wrap(s, p.width)) }
	server := ""
	if p.c.remote != nil {
		server, _ = p.c.remote.PublishServer()
	}
	title := strings.ToUpper(p.action.String()[:1]) + p.action.String()[1:]
	line(st.SubHeading.Render(truncate(title+" · "+p.gun+" on "+server, p.width)))
	if p.context != "" {
		para(st.Warn.Render(p.context))
	}
	line("")
	switch p.step {
	case pubAsk, pubPlanning:
		p.askView(line)
	case pubConfirm:
		p.confirmView(line)
	case pubRunning:
		p.runningView(line)
	case pubDone:
		p.doneView(line)
	}
	if p.msg != "" {
		para(st.Bad.Render(p.msg))
	}
	return strings.Join(b, "\n")
}

func (p *publishPage) askView(line func(string)) {
	st := p.c.styles
	if p.form != nil {
		line(p.form.View(st, p.width))
	}
	if len(p.choices) > 0 {
		if p.form != nil {
			line("")
			line(st.Faint.Render("Signed tags (the verified cache, as inspect --offline sees it):"))
		}
		p.choiceLines(line)
	}
	if p.step == pubPlanning {
		line("")
		line(truncate(p.c.spinner.View()+" Pulling "+p.gun+" and working out what "+p.req.what+" publishes…", p.width))
	}
}

// choiceLines draws the pick list, the choice marked, as many as fit.
func (p *publishPage) choiceLines(line func(string)) {
	st := p.c.styles
	room := max(p.height-12, 3)
	first := max(min(p.pick-room/2, len(p.choices)-room), 0)
	labelW := 0
	for _, ch := range p.choices {
		labelW = min(max(labelW, textWidth(ch.label)), 30)
	}
	for i := first; i < len(p.choices) && i < first+room; i++ {
		ch := p.choices[i]
		label := pad(truncate(ch.label, labelW), labelW)
		text := "  " + label + "  " + st.Faint.Render(ch.note)
		if i == p.pick {
			text = st.Selected.Render(fit("▸ "+label+"  "+ch.note, p.width))
		}
		line(truncate(text, p.width))
	}
}

// confirmView is what will be published and which keys sign, from the
// engine's plan.
func (p *publishPage) confirmView(line func(string)) {
	st := p.c.styles
	pl := p.plan
	line(st.Heading.Render("WILL PUBLISH") + "  " + st.Faint.Render(truncate(p.req.what, max(p.width-14, 1))))
	for _, c := range pl.Changes {
		line("  " + truncate(c.String(), p.width-2))
	}
	if len(pl.ServerSigned) > 0 {
		line("  " + truncate(strings.Join(pl.ServerSigned, ", ")+" by the server", p.width-2))
	}
	for _, k := range pl.Keys {
		line(wrapHanging("  uses "+k, p.width, 4))
	}
	line(st.Heading.Render("SIGNED BY"))
	roleW := 15 // the longest role name, within a third of the page
	for _, s := range pl.Signers {
		roleW = max(roleW, min(textWidth(s.Role), p.width/3))
	}
	for _, s := range pl.Signers {
		p.signerLines(line, s, roleW)
	}
	line("")
	line(wrap("Nothing is sent until you press enter. The server takes the whole update or none of it; if it refuses, the cache and the key store are left as they were.", p.width))
}

// signerLines are a planned signer: role (in a column roleW wide), key,
// where it is and what unlocks it; a key file's path on a line of its own.
func (p *publishPage) signerLines(line func(string), s publish.PlannedSigner, roleW int) {
	id, how, path := "new key", "made by this change", ""
	switch {
	case s.New:
	case s.Token != nil:
		id, how = "key "+vault.ShortID(s.KeyID), s.Token.String()+", PIN and touch"
	case s.Path != "":
		id, how, path = "key "+vault.ShortID(s.KeyID), "file, passphrase", s.Path
	default:
		id, how = "key "+vault.ShortID(s.KeyID), s.Where()
	}
	line(truncate("  "+pad(truncate(s.Role, roleW), roleW)+" "+pad(id, 12)+" "+how, p.width))
	if path != "" {
		line(p.c.styles.Faint.Render("  " + middleTruncate(path, max(p.width-2, 8))))
	}
}

func (p *publishPage) runningView(line func(string)) {
	st := p.c.styles
	switch {
	case p.asked != nil && p.ch != nil:
		line(wrap("A new key for this change: choose its passphrase.", p.width))
		line(p.ch.View(p.width))
	case p.asked != nil && p.asked.pin != nil:
		line(wrap("The key on "+p.asked.pin.String()+" signs: its PIN unlocks it.", p.width))
		line(p.secret.View(st, p.width))
	case p.asked != nil:
		r := p.asked.req
		does := "is opened from its file" // e.g. a signer's key, for its public part
		if p.plan != nil && slices.ContainsFunc(p.plan.Signers, func(s publish.PlannedSigner) bool { return s.KeyID == r.KeyID }) {
			does = "signs from its file"
		}
		line(wrap(fmt.Sprintf("The %s key %s %s: its passphrase unlocks it.", orDash(r.Role), vault.ShortID(r.KeyID), does), p.width))
		line(p.secret.View(st, p.width))
		if p.c.demo && p.c.demoPassphrase != "" {
			line(st.Faint.Render(truncate("Demo vault passphrase: "+p.c.demoPassphrase, p.width)))
		}
	case p.touching:
		line(st.Warn.Render(truncate(p.c.spinner.View()+" Touch the Yubikey now: it blinks while it waits to sign.", p.width)))
		line(st.Faint.Render(wrap("Without a touch it gives up by itself after about 15 seconds, and nothing is published.", p.width)))
	default:
		line(truncate(p.c.spinner.View()+" Publishing: "+p.req.what+"…", p.width))
	}
}

// doneView is what was published and which keys signed, or why nothing
// was.
func (p *publishPage) doneView(line func(string)) {
	st := p.c.styles
	if p.res != nil {
		r := p.res
		text := "Published " + strings.Join(r.Published, ", ")
		if len(r.ServerSigned) > 0 {
			text += "; the server signed " + strings.Join(r.ServerSigned, ", ")
		}
		line(st.OK.Render(wrap(text+".", p.width)))
		for _, s := range r.SignedBy {
			line(wrapHanging("  signed by "+s, p.width, 4))
		}
		for _, k := range r.NewKeys {
			line(wrapHanging(fmt.Sprintf("  new %s key %s in %s", k.Role, k.ShortID(), k.Path), p.width, 4))
		}
		if r.Update != nil {
			line("  pulled back and verified; the cache is up to date")
		}
	}
	switch {
	case p.err != nil && p.res != nil: // published; the pull that checks it failed
		line(st.Warn.Render(wrap(p.err.Error(), p.width)))
	case p.err != nil:
		line(st.Bad.Render(wrap(publishErrorText(p.err), p.width)))
	}
}
