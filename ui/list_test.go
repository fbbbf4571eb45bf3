package ui

import "testing"

// FuzzListView moves a list's cursor and view every way the pages do, over
// rows of which some may be headings (not selectable), and checks after
// each step: the view within the rows, and, when a row can be selected,
// the cursor on a selectable row and on screen.
func FuzzListView(f *testing.F) {
	f.Add([]byte{0, 20, 1, 5, 2, 3, 4, 5, 6, 7}, uint64(0b1011))
	f.Add([]byte{0, 200, 1, 1, 6, 6, 7, 3, 2, 0, 3}, uint64(1))
	f.Add([]byte{1, 0, 0, 0, 2, 7, 7, 4}, uint64(0))
	f.Fuzz(func(t *testing.T, ops []byte, headings uint64) {
		l := listView{}
		// Rows whose index has its bit set in headings (mod 64) are
		// headings; with headings 0 every row is selectable.
		if headings != 0 {
			l.selectable = func(i int) bool { return headings&(1<<(uint(i)%64)) == 0 }
		}
		l.setHeight(1)
		arg := func(i int) int {
			if i+1 < len(ops) {
				return int(ops[i+1])
			}
			return 0
		}
		for i := 0; i < len(ops); i++ {
			switch ops[i] % 10 {
			case 0:
				l.setLen(arg(i))
				i++
			case 1:
				l.setHeight(arg(i) % 40)
				i++
			case 2:
				l.move(arg(i)%7 - 3)
				i++
			case 3:
				l.page(1)
			case 4:
				l.page(-1)
			case 5:
				l.top()
			case 6:
				l.bottom()
			case 7:
				l.scroll(arg(i)%9 - 4)
				i++
			case 8:
				l.jump(arg(i), 1)
				i++
			case 9:
				l.jump(arg(i), -1)
				i++
			}
			start, end := l.visible()
			if start < 0 || start > max(l.n-l.height, 0) || end > l.n || end < start {
				t.Fatalf("step %d: view [%d,%d) of %d rows, height %d", i, start, end, l.n, l.height)
			}
			if l.firstSelectable() < 0 {
				continue
			}
			if !l.selected() {
				t.Fatalf("step %d: cursor %d on no selectable row (%d rows)", i, l.cursor, l.n)
			}
			if l.cursor < start || l.cursor >= end {
				t.Fatalf("step %d: cursor %d off screen [%d,%d)", i, l.cursor, start, end)
			}
		}
	})
}
