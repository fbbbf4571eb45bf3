package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// listView is a cursor and a scroll offset over n rows of which height are
// visible. Pages render only rows [offset, offset+height), so a list of ten
// thousand rows costs what a screenful costs.
type listView struct {
	n, height      int
	cursor, offset int
	// selectable says which rows the cursor may rest on; nil means all.
	selectable func(i int) bool
	// cursorMoves marks a list whose cursor moves over every row (a list
	// of findings), as opposed to lines that only scroll.
	cursorMoves bool
}

func (l *listView) setLen(n int) {
	l.n = n
	l.clamp()
}

func (l *listView) setHeight(h int) {
	l.height = max(h, 1)
	l.clamp()
}

// can reports whether the cursor may rest on row i.
func (l *listView) can(i int) bool {
	return i >= 0 && i < l.n && (l.selectable == nil || l.selectable(i))
}

// move moves the cursor by delta selectable rows, stopping at the ends.
func (l *listView) move(delta int) {
	step := 1
	if delta < 0 {
		step, delta = -1, -delta
	}
	for ; delta > 0; delta-- {
		next := l.cursor + step
		for next >= 0 && next < l.n && !l.can(next) {
			next += step
		}
		if !l.can(next) {
			break
		}
		l.cursor = next
	}
	l.follow()
}

// page moves by one screenful.
func (l *listView) page(dir int) {
	target := l.cursor + dir*max(l.height-1, 1)
	target = min(max(target, 0), max(l.n-1, 0))
	l.jump(target, dir)
}

// top and bottom jump to the first and last selectable rows.
func (l *listView) top()    { l.jump(0, 1) }
func (l *listView) bottom() { l.jump(l.n-1, -1) }

// jump puts the cursor on row i, or the nearest selectable row in
// direction dir (then the other way).
func (l *listView) jump(i, dir int) {
	if dir == 0 {
		dir = 1
	}
	for _, d := range []int{dir, -dir} {
		for j := i; j >= 0 && j < l.n; j += d {
			if l.can(j) {
				l.cursor = j
				l.follow()
				return
			}
		}
	}
}

// follow scrolls so that the cursor is visible, together with the
// headings directly above it, and all the rows above the first selectable
// row when the cursor is on it.
func (l *listView) follow() {
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.height {
		l.offset = l.cursor - l.height + 1
	}
	if l.cursor == l.offset {
		l.offset -= headingContext(l)
	}
	if l.cursor < l.height && l.firstSelectable() == l.cursor {
		l.offset = 0
	}
	l.clampOffset()
}

func (l *listView) firstSelectable() int {
	for j := 0; j < l.n; j++ {
		if l.can(j) {
			return j
		}
	}
	return -1
}

// headingContext counts the unselectable rows directly above the cursor, at
// most a third of the screen, and never so many that the cursor's own row
// leaves it (a list one row high shows no heading).
func headingContext(l *listView) int {
	n := 0
	for j := l.cursor - 1; j >= 0 && !l.can(j) && n < min(max(l.height/3, 1), l.height-1); j-- {
		n++
	}
	return n
}

// scroll moves the view by delta rows (the mouse wheel) and keeps the
// cursor inside it.
func (l *listView) scroll(delta int) {
	l.offset += delta
	l.clampOffset()
	if l.cursor < l.offset {
		l.jump(l.offset, 1)
	} else if l.cursor >= l.offset+l.height {
		l.jump(l.offset+l.height-1, -1)
	}
	l.clampOffset()
}

func (l *listView) clampOffset() {
	l.offset = min(l.offset, max(l.n-l.height, 0))
	l.offset = max(l.offset, 0)
}

func (l *listView) clamp() {
	if l.n == 0 {
		l.cursor, l.offset = 0, 0
		return
	}
	l.cursor = min(max(l.cursor, 0), l.n-1)
	if !l.can(l.cursor) {
		l.jump(l.cursor, 1)
	}
	l.follow()
}

// visible is the range of rows to render.
func (l *listView) visible() (start, end int) {
	return l.offset, min(l.offset+l.height, l.n)
}

// selected reports whether there is a row under the cursor.
func (l *listView) selected() bool { return l.can(l.cursor) }

// navigate applies the list movement keys.
func navigate(l *listView, k navKeys, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Up):
		l.move(-1)
	case key.Matches(msg, k.Down):
		l.move(1)
	case key.Matches(msg, k.PageUp):
		l.page(-1)
	case key.Matches(msg, k.PageDown):
		l.page(1)
	case key.Matches(msg, k.Top):
		l.top()
	case key.Matches(msg, k.Bottom):
		l.bottom()
	default:
		return false
	}
	return true
}

// wheelStep is how many rows one notch of the mouse wheel moves.
const wheelStep = 3

func wheel(l *listView, msg tea.MouseWheelMsg) {
	switch msg.Button {
	case tea.MouseWheelUp:
		l.move(-wheelStep)
	case tea.MouseWheelDown:
		l.move(wheelStep)
	}
}

// scrollKeys applies the movement keys to a page that scrolls its lines
// rather than moving a cursor: a key moves the view by a line, by a page
// of height-1 lines or to either end. It reports whether msg was one of
// them.
func (l *listView) scrollKeys(k navKeys, msg tea.KeyPressMsg, height int) bool {
	switch {
	case key.Matches(msg, k.Up):
		l.scroll(-1)
	case key.Matches(msg, k.Down):
		l.scroll(1)
	case key.Matches(msg, k.PageUp):
		l.scroll(-height + 1)
	case key.Matches(msg, k.PageDown):
		l.scroll(height - 1)
	case key.Matches(msg, k.Top):
		l.scroll(-l.n)
	case key.Matches(msg, k.Bottom):
		l.scroll(l.n)
	default:
		return false
	}
	return true
}

// scrollWheel moves the view by wheelStep lines a notch of the mouse wheel.
func (l *listView) scrollWheel(msg tea.MouseWheelMsg) {
	switch msg.Button {
	case tea.MouseWheelUp:
		l.scroll(-wheelStep)
	case tea.MouseWheelDown:
		l.scroll(wheelStep)
	}
}

// enableMoves shows the movement keys only when they can move something,
// so that no page lists a key that does nothing: lines that only scroll
// need more of them than fit; a cursor needs more than one row to rest
// on, or more rows than fit.
func (l *listView) enableMoves(k *navKeys) {
	can := l.n > l.height
	if !can && (l.selectable != nil || l.cursorMoves) {
		rows := 0
		for i := 0; i < l.n && rows < 2; i++ {
			if l.can(i) {
				rows++
			}
		}
		can = rows > 1
	}
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom} {
		b.SetEnabled(can)
	}
}
