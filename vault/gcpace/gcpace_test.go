package gcpace

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gogc reads GOGC without changing it for long.
func gogc() int {
	old := debug.SetGCPercent(-1)
	debug.SetGCPercent(old)
	return old
}

// collectUntil runs collections until GOGC is want (the check runs in a
// finalizer, after the collection) or a few seconds have passed.
func collectUntil(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for gogc() != want {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC is %d, want %d", gogc(), want)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

var keep [][]byte

func TestPace(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	stop := Start()
	if got := gogc(); got != High {
		t.Fatalf("after Start GOGC is %d, want %d", got, High)
	}
	// A small live heap keeps the high pace.
	for range 5 {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if got := gogc(); got != High {
		t.Fatalf("with little live GOGC is %d, want %d", got, High)
	}
	// Past the threshold it drops, and a second, overlapping Start
	// keeps it there.
	for range 2 * Threshold / (1 << 20) {
		keep = append(keep, make([]byte, 1<<20))
	}
	collectUntil(t, Low)
	stop2 := Start()
	if got := gogc(); got != Low {
		t.Errorf("a second Start changed GOGC to %d", got)
	}
	stop()
	stop() // twice is once
	if got := gogc(); got != Low {
		t.Errorf("the first stop of two set GOGC to %d", got)
	}
	stop2()
	if got := gogc(); got != 100 {
		t.Errorf("after the last stop GOGC is %d, want the 100 it was", got)
	}

	// A Start while the last collection found much live (the view's
	// health checks after its reading) sets the low pace at once.
	runtime.GC()
	stop = Start()
	if got := gogc(); got != Low {
		t.Errorf("a Start with %d MiB live set GOGC %d, want %d", 2*Threshold>>20, got, Low)
	}
	stop()
	if got := gogc(); got != 100 {
		t.Errorf("after stop GOGC is %d, want the 100 it was", got)
	}

	// With little live again, the next Start begins at the high pace.
	keep = nil
	runtime.GC()
	stop = Start()
	if got := gogc(); got != High {
		t.Errorf("a new Start set GOGC %d, want %d", got, High)
	}
	stop()
}

// A GOGC at or below Low, or off, is the user's choice: left alone.
func TestPaceLeavesLowGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, v := range []int{Low, 10, -1} {
		debug.SetGCPercent(v)
		stop := Start()
		if got := gogc(); got != v {
			t.Errorf("GOGC %d: Start set %d", v, got)
		}
		stop()
		if got := gogc(); got != v {
			t.Errorf("GOGC %d: stop set %d", v, got)
		}
	}
}
