// Package ui is trustvault's terminal interface, a Bubble Tea v2 program.
//
// A root Model owns the window size, the styles (NewStyles, rebuilt when
// the terminal reports its background; PlainStyles under NO_COLOR), the
// header, the footer with the active page's keys, the help overlay and a
// stack of pages: the repositories, one repository's five key types, and
// one key with its actions. Pages render strings and ask for navigation
// with messages that only the root acts on.
//
// The engine is called only inside tea.Cmd closures that return messages:
// Update and View never do I/O. The trust directory is read behind the
// first frame, and again on r.
//
// ui imports vault; nothing in the project but cmd imports ui.
package ui
