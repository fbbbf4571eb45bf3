package gcpace

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

const (
	// High is GOGC while the live heap is below Threshold.
	High = 400
	// Low is GOGC once it has passed Threshold.
	Low = 30
	// Threshold is the live heap, in bytes, past which Low is set.
	Threshold = 6 << 20
)

// state is the process's: Starts may overlap (the interactive view
// reloads while the health checks of the last load run); the first sets
// the pace, the last stop puts back the GOGC the first found.
var state struct {
	mu      sync.Mutex
	active  int
	old     int  // GOGC before the first active Start
	fixed   bool // GOGC was at or below Low (or off) already: left alone
	lowered bool // Low is set
	armed   bool // a finalizer waits for the next collection
	sample  []metrics.Sample
}

// liveHeap is the heap the last collection found live, in bytes; the
// caller holds state.mu.
func liveHeap() uint64 {
	if state.sample == nil {
		state.sample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	}
	metrics.Read(state.sample)
	if v := state.sample[0].Value; v.Kind() == metrics.KindUint64 {
		return v.Uint64()
	}
	return 0
}

// Start sets GOGC to High and lowers it to Low once a collection leaves
// more than Threshold live; stop (which may be called more than once)
// puts back the GOGC Start found. When GOGC is already at or below Low,
// or off, it is left alone.
func Start() (stop func()) {
	state.mu.Lock()
	defer state.mu.Unlock()
	state.active++
	if state.active == 1 {
		state.old = debug.SetGCPercent(High)
		state.fixed = state.old <= Low // off is -1
		state.lowered = false
		switch {
		case state.fixed:
			debug.SetGCPercent(state.old)
		case liveHeap() > Threshold:
			// Already large (the view's health checks after its
			// reading): a high pace now would let the heap grow to
			// five times what is live before the next collection.
			debug.SetGCPercent(Low)
			state.lowered = true
		default:
			arm()
		}
	}
	return sync.OnceFunc(func() {
		state.mu.Lock()
		defer state.mu.Unlock()
		state.active--
		if state.active == 0 {
			debug.SetGCPercent(state.old)
		}
	})
}

// arm sets a finalizer that runs after the next collection; the caller
// holds state.mu.
func arm() {
	if state.armed {
		return
	}
	state.armed = true
	sentinel := new([16]byte) // not tiny-allocated, so collected alone
	runtime.SetFinalizer(sentinel, func(*[16]byte) { collected() })
}

// collected runs after a collection: it lowers GOGC once the live heap
// has passed Threshold, else waits for the next collection.
func collected() {
	state.mu.Lock()
	defer state.mu.Unlock()
	state.armed = false
	if state.active == 0 || state.fixed || state.lowered {
		return
	}
	if liveHeap() > Threshold {
		debug.SetGCPercent(Low)
		state.lowered = true
		return
	}
	arm()
}
