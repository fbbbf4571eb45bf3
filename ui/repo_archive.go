package ui

// Archiving a repository's trust data from its page (A): a form asks for
// the file (a new name in the current directory by default), then the
// engine gathers the metadata (from the server, else from the cache),
// writes the trust archive and its .sha256 sidecar, reads them back, and
// records the archive in trustvault's archive records.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
)

type (
	// archivePathMsg is the archive's suggested file: a name that is not
	// taken yet ("" when none could be found).
	archivePathMsg struct {
		gun, path string
	}
	// trustArchivedMsg is an archive written, read back and checked.
	trustArchivedMsg struct {
		gun string
		ta  *vault.TrustArchive
		// from says where the metadata came from; fellBack, when set, why
		// not from the server.
		from, fellBack string
		// asOf, when set, says the metadata verified only as of before it
		// expired.
		asOf string
		// recordErr is set when the archive is written but the records
		// could not say so.
		recordErr error
	}
)

// maxArchiveNames bounds the names tried for a free default.
const maxArchiveNames = 100

// archiveBaseName is the default file name of gun's archive made on now:
// the GUN with / and : replaced (tar reads host:file as a remote file).
func archiveBaseName(gun string, now time.Time) string {
	return strings.NewReplacer("/", "_", ":", "_").Replace(gun) + "-trust-" + now.Format("20060102")
}

// archivePathCmd finds a free default file for gun's archive in the
// current directory: NAME.tar.gz, else NAME-2.tar.gz, and so on; neither
// it nor its sidecar may exist.
func archivePathCmd(gun string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		dir, err := os.Getwd()
		if err != nil {
			return archivePathMsg{gun: gun}
		}
		base := archiveBaseName(gun, now)
		for i := 1; i <= maxArchiveNames; i++ {
			name := base
			if i > 1 {
				name = fmt.Sprintf("%s-%d", base, i)
			}
			path := filepath.Join(dir, name+".tar.gz")
			if free(path) && free(path+".sha256") {
				return archivePathMsg{gun: gun, path: path}
			}
		}
		return archivePathMsg{gun: gun}
	}
}

// free reports whether nothing is at path.
func free(path string) bool {
	_, err := os.Lstat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// openArchiveForm asks for the archive's file, the default filled in.
func (p *repoPage) openArchiveForm(msg archivePathMsg) tea.Cmd {
	if msg.gun != p.gun || p.trust.op != opNone {
		return nil
	}
	f := newField(p.c.styles, fieldPath, "Archive file", "File", false)
	f.required = true
	// The width the form gives it, before the value, so that the end of
	// the name shows.
	f.input.SetWidth(max(p.archiveFormWidth()-len(f.label)-5, 4))
	f.input.SetValue(msg.path)
	f.input.CursorEnd()
	p.trust.form = newForm(f)
	return p.trust.form.focusOn(0)
}

// updateArchiveForm runs the form; on submit the engine archives.
func (p *repoPage) updateArchiveForm(msg tea.Msg) tea.Cmd {
	t := &p.trust
	res, cmd := t.form.Update(msg)
	switch res {
	case formCancelled:
		t.form = nil
		return nil
	case formSubmitted:
		path := absPath(strings.TrimSpace(t.form.text(fieldPath)))
		ctx, cancel := context.WithCancel(context.Background())
		t.form.busy, t.op, t.cancel = true, opArchiving, cancel
		online := p.pullBlocker() == ""
		return tea.Batch(archiveTrustCmd(ctx, p.c.store, p.trustOptions(true), p.trustOptions(false), online, path, p.now()), p.c.spinner.Tick)
	}
	return cmd
}

// archiveTrustCmd gathers the repository's metadata (from the server when
// online, else or when it does not answer from the cache), writes the
// archive to path (never over a file) and records it.
func archiveTrustCmd(ctx context.Context, store *vault.Store, on, off remote.Options, online bool, path string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		if !free(path) {
			return errorMsg{err: fmt.Errorf("%s exists; give another name, or move it away first (an archive is never overwritten)", path)}
		}
		g, err := gatherTrust(ctx, on, off, online, now)
		if err == nil && ctx.Err() != nil {
			err = context.Canceled
		}
		if err != nil {
			return errorMsg{err: err}
		}
		ta, err := vault.WriteTrustArchive(path, []vault.TrustBundle{g.bundle.TrustBundle(g.server, now)}, now)
		if err != nil {
			return errorMsg{err: err}
		}
		return trustArchivedMsg{gun: on.GUN, ta: ta, from: g.from, fellBack: g.fellBack, asOf: g.asOf, recordErr: store.RecordArchive(ta, now)}
	}
}

// gathered is a repository's metadata gathered for an archive.
type gathered struct {
	bundle *remote.Bundle
	server string // "" when it came from the cache
	// from says where it came from; fellBack, when set, why not from the
	// server; asOf, when set, that it verified only as of before it
	// expired.
	from, fellBack, asOf string
}

// gatherTrust collects the metadata: online from the server (a pull, and
// every root version it serves); when the server does not answer, or
// offline, from the cache, as of before it expired once it has.
func gatherTrust(ctx context.Context, on, off remote.Options, online bool, now time.Time) (gathered, error) {
	g := gathered{from: "from the cache, offline"}
	var serverErr error
	if online {
		b, err := remote.Gather(ctx, on, false)
		if err == nil {
			return gathered{bundle: b, server: on.Server, from: "from " + on.Server + " (pulled first, with every root version it serves)"}, nil
		}
		if ctx.Err() != nil {
			return g, context.Canceled
		}
		var se *remote.ServerError
		if !errors.As(err, &se) {
			return g, err
		}
		// Without its advice on what still works offline: the cache is
		// being archived right now.
		bare := *se
		bare.Offline = ""
		serverErr = remote.HubGone(&bare, now)
		g.fellBack = "The server did not serve it, so the cache was archived as it is: " + serverErr.Error()
	}
	at, expired, err := verifyAsOf(now, func(at time.Time) error {
		off.At = at
		var err error
		g.bundle, err = remote.Gather(ctx, off, true)
		return err
	})
	if err != nil && serverErr != nil {
		return g, fmt.Errorf("the server did not serve it (%v), and the cache could not be archived either: %w", serverErr, err)
	}
	if err != nil {
		return g, err
	}
	if why := asOfWhy(at, now, expired); why != "" {
		g.asOf = "The cached trust data has expired: it verified as of " + at.UTC().Format("2006-01-02 15:04:05 UTC") + " (" + why +
			"), not now. The archive shows what was signed then; check it with trustvault archive verify --at."
	}
	return g, nil
}

// archived reports the archive: where it is, its sidecar and digest, and
// what it holds; then the cache is read again (an online archive pulls).
func (p *repoPage) archived(msg trustArchivedMsg) tea.Cmd {
	t := &p.trust
	if msg.gun != p.gun {
		return nil
	}
	p.endOp()
	t.form, t.showing = nil, true
	ta := msg.ta
	lines := []string{fmt.Sprintf("Archived %s into %s (%s), read back and checked.", msg.gun, ta.Path, vault.SizeString(uint64(ta.Size))),
		"sidecar: " + ta.Sidecar, "sha256: " + ta.SHA256}
	for _, tb := range ta.Bundles {
		roots := 0
		for _, n := range tb.FileNames {
			if strings.HasSuffix(n, ".root.json") {
				roots++
			}
		}
		chain := plural(roots, "root version", "root versions") + " chained"
		if roots == 0 { // the cache, offline: no N.root.json
			chain = "root.json only, no numbered root versions"
		}
		lines = append(lines, fmt.Sprintf("It holds %s %s: root version %d (%s), timestamp version %d, fresh until %s.",
			plural(len(tb.FileNames), "file", "files"), msg.from, tb.RootVersion, chain,
			tb.TimestampVersion, tb.TimestampExpires.UTC().Format("2006-01-02 15:04 UTC")))
	}
	for _, l := range []string{msg.fellBack, msg.asOf} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	kind := tlText
	if msg.recordErr != nil {
		kind = tlWarn
		lines = append(lines, "The archive is written, but trustvault's archive records could not say so: "+msg.recordErr.Error())
	} else {
		lines = append(lines, "Recorded in trustvault's archive records.")
	}
	lines = append(lines, "Check it offline any time: trustvault archive verify "+ta.Path)
	t.report = &trustReport{title: "ARCHIVED", kind: kind, lines: lines}
	p.layoutTrust()
	return tea.Batch(send(reloadRequestedMsg{}), p.readTrustCmd())
}

// archiveFailed keeps the form open with what went wrong; a cancelled
// archive closes it.
func (p *repoPage) archiveFailed(err error) tea.Cmd {
	t := &p.trust
	p.endOp()
	if errors.Is(err, context.Canceled) {
		t.form = nil
		t.report = &trustReport{title: "ARCHIVE CANCELLED", kind: tlWarn,
			lines: []string{"The archive was cancelled before it was written: no file was made."}}
		t.showing = true
		p.layoutTrust()
		return nil
	}
	field := ""
	if strings.Contains(err.Error(), "exists") || errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist) {
		field = fieldPath
	}
	return t.form.fail(field, sentence(err.Error()))
}

// archiveFormWidth is the room inside the form's box.
func (p *repoPage) archiveFormWidth() int {
	if p.height >= formRoomy {
		return max(min(p.width, 76)-4, 10)
	}
	return p.width
}

// archiveFormView draws the form in a box (flat on a short page).
func (p *repoPage) archiveFormView() string {
	st := p.c.styles
	t := &p.trust
	boxed := p.height >= formRoomy
	inner := p.archiveFormWidth()
	var b strings.Builder
	b.WriteString(st.SubHeading.Render(truncate("Archive the trust data of "+p.gun, inner)))
	b.WriteString("\n" + t.form.View(st, inner))
	b.WriteString("\n" + st.Faint.Render(wrap(t.archiveFrom+" The archive and a .sha256 sidecar are written; an existing file is never replaced.", inner)))
	switch {
	case t.form.busy:
		b.WriteString("\n" + truncate(p.c.spinner.View()+" Gathering, writing and reading back… esc cancels", inner))
	case t.form.msg == "":
		b.WriteString("\n" + st.Faint.Render(truncate("enter archives · esc cancels", inner)))
	}
	if !boxed {
		return b.String()
	}
	return st.FormBorder.Width(inner + 4).Render(b.String())
}
