// Package benchkit holds what the benchmark harnesses (benchspeed,
// benchtui) share: a timed run and the median of several.
package benchkit

import (
	"os"
	"slices"
	"strings"
	"time"
)

// Sample is one timed run: wall time, CPU time (user + system) and peak
// resident memory.
type Sample struct {
	Wall   time.Duration
	CPU    time.Duration
	MaxRSS int64 // bytes
}

// Median is the median of each measure on its own.
func Median(s []Sample) Sample {
	walls := make([]time.Duration, len(s))
	cpus := make([]time.Duration, len(s))
	rss := make([]int64, len(s))
	for i, x := range s {
		walls[i], cpus[i], rss[i] = x.Wall, x.CPU, x.MaxRSS
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	slices.Sort(rss)
	return Sample{Wall: walls[len(s)/2], CPU: cpus[len(s)/2], MaxRSS: rss[len(s)/2]}
}

// MS is d in milliseconds.
func MS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MiB is b in mebibytes.
func MiB(b int64) float64 { return float64(b) / (1 << 20) }

// LoadAvg is /proc/loadavg on one line ("unknown" where there is none).
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
