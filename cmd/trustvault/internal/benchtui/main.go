// Command benchtui times the interactive view on a large store as a person
// meets it: the real binary started on a real pseudo-terminal, from the
// process's start to the first frame that shows the data (the header's key
// count), against `trustvault list --json` on the same store; and its peak
// memory over the whole load: the health checks, which follow the keys on
// screen, included (the frame that shows the header's count of warnings;
// every key of the generated store warns). With -keystrokes it also runs the ui package's keystroke
// benchmarks (Update and the redraw, every page, Health with 300,000
// findings) and checks each against its goal. `make bench` runs it. It
// exits 1, after running everything, when a goal was missed.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/trustvault/trustvault/cmd/trustvault/internal/benchkit"
)

type sample = benchkit.Sample

func main() {
	var (
		tv         = flag.String("trustvault", "bin/trustvault", "the trustvault binary")
		work       = flag.String("work", filepath.Join(os.TempDir(), "trustvault-bench"), "where the generated stores are kept")
		keys       = flag.Int("keys", 100_000, "keys in the store")
		runs       = flag.Int("runs", 3, "timed runs of each")
		ratioGoal  = flag.Float64("ratio", 1.5, "goal: data on screen in at most this multiple of list --json's time")
		memGoal    = flag.Int("mem", 200, "goal: peak RSS below this many MiB")
		keystrokes = flag.Bool("keystrokes", true, "also run the ui keystroke benchmarks (goal: -keygoal per keystroke)")
		keyGoal    = flag.Duration("keygoal", 2*time.Millisecond, "goal: a keystroke with its redraw")
	)
	flag.Parse()
	fmt.Printf("benchtui: %d CPUs, load average %s\n", runtime.NumCPU(), benchkit.LoadAvg())
	ok := true
	if err := screenBench(*tv, *work, *keys, *runs, *ratioGoal, *memGoal); err != nil {
		fmt.Fprintln(os.Stderr, "benchtui:", err)
		ok = false
	}
	if *keystrokes {
		if err := keystrokeBench(*keyGoal); err != nil {
			fmt.Fprintln(os.Stderr, "benchtui:", err)
			ok = false
		}
	}
	if !ok {
		fmt.Println("benchtui: a goal was missed")
		os.Exit(1)
	}
}

// screenBench times the view against list --json, alternately.
func screenBench(tv, work string, keys, runs int, ratioGoal float64, memGoal int) error {
	dir := filepath.Join(work, fmt.Sprintf("keys-%d", keys), "trust")
	prep := exec.Command("go", "run", "./cmd/trustvault/internal/benchstore", "-prepare", "-dir", dir, "-keys", fmt.Sprint(keys))
	prep.Stdout, prep.Stderr = os.Stdout, os.Stderr
	if err := prep.Run(); err != nil {
		return fmt.Errorf("prepare %d keys (run from the repository's root): %w", keys, err)
	}
	var tui, list []sample
	var checked, dataCPU []time.Duration
	for i := -1; i < runs; i++ { // one warm-up each
		t, c, dc, err := viewOnce(tv, dir, keys)
		if err != nil {
			return err
		}
		l, err := listOnce(tv, dir)
		if err != nil {
			return err
		}
		if i >= 0 {
			tui, list, checked, dataCPU = append(tui, t), append(list, l), append(checked, c), append(dataCPU, dc)
		}
	}
	t, l := benchkit.Median(tui), benchkit.Median(list)
	ratio := float64(t.Wall) / float64(l.Wall)
	cpuRatio := float64(t.CPU) / float64(max(l.CPU, 1))
	met := ratio <= ratioGoal && benchkit.MiB(t.MaxRSS) < float64(memGoal)
	verdict := "met"
	if !met {
		verdict = "MISSED"
	}
	fmt.Printf("the interactive view on %d keys, %d runs each (medians):\n", keys, runs)
	fmt.Printf("  %-40s %8.1f ms, CPU %8.1f ms, %6.1f MiB\n", "start to the data on screen (pty)", benchkit.MS(t.Wall), benchkit.MS(t.CPU), benchkit.MiB(t.MaxRSS))
	slices.Sort(checked)
	slices.Sort(dataCPU)
	dc := dataCPU[len(dataCPU)/2]
	fmt.Printf("  %-40s %8.1f ms (CPU and memory above are up to here)\n", "start to the health findings on screen", benchkit.MS(checked[len(checked)/2]))
	fmt.Printf("  %-40s          CPU %8.1f ms (from /proc, 10 ms ticks)\n", "start to the data on screen", benchkit.MS(dc))
	fmt.Printf("  %-40s %8.1f ms, CPU %8.1f ms, %6.1f MiB\n", "list --json", benchkit.MS(l.Wall), benchkit.MS(l.CPU), benchkit.MiB(l.MaxRSS))
	fmt.Printf("  ratio %.2f (goal <= %.1f), CPU time ratio to the data %.2f and to the findings %.2f, peak RSS %.1f MiB (goal < %d): %s\n",
		ratio, ratioGoal, float64(dc)/float64(max(l.CPU, 1)), cpuRatio, benchkit.MiB(t.MaxRSS), memGoal, verdict)
	if !met {
		return errors.New("the interactive view missed its goal")
	}
	return nil
}

// ansi matches the terminal's control sequences: CSI, OSC, and two-byte
// escapes.
var ansi = regexp.MustCompile(`\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])`)

// healthShown is the header's count of warnings, shown once the health
// checks have run.
var healthShown = regexp.MustCompile(`[0-9]+ warnings?`)

// viewOnce starts the view on a 120x40 pty and waits for the frame that
// shows the key count (the sample's Wall; the CPU time the view had used
// then is the third result), then for the one that shows the health
// findings (the second); then quits it with q.
func viewOnce(tv, dir string, keys int) (s sample, checked, dataCPU time.Duration, err error) {
	master, slave, err := openPTY(120, 40)
	if err != nil {
		return sample{}, 0, 0, err
	}
	defer master.Close()
	cmd := exec.Command(tv, "--trust-dir", dir)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "HOME="+os.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	wants := []*regexp.Regexp{regexp.MustCompile(fmt.Sprintf("%d keys", keys)), healthShown}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		slave.Close()
		return sample{}, 0, 0, err
	}
	slave.Close()
	seen := make(chan time.Duration, len(wants))
	go watch(master, wants, start, seen)
	var shown [2]time.Duration
	for i, want := range wants {
		select {
		case shown[i] = <-seen:
		case <-time.After(5 * time.Minute):
			cmd.Process.Kill()
			cmd.Wait()
			return sample{}, 0, 0, fmt.Errorf("the view showed no %q in 5 minutes", want)
		}
		if shown[i] < 0 {
			cmd.Wait()
			return sample{}, 0, 0, fmt.Errorf("the view ended before it showed %q", want)
		}
		if i == 0 {
			dataCPU = cpuSoFar(cmd.Process.Pid)
		}
	}
	master.Write([]byte("q"))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		return sample{}, 0, 0, errors.New("the view did not quit on q")
	}
	if err != nil {
		return sample{}, 0, 0, fmt.Errorf("the view: %w", err)
	}
	s = usage(cmd.ProcessState)
	s.Wall = shown[0]
	return s, shown[1], dataCPU, nil
}

// watch reads the screen until each of wants in turn appears in its text
// (escapes removed; the text after the previous match), and sends the time
// since start for each; -1 when the output ends first. It then keeps
// draining, so the program never blocks on output.
func watch(r io.Reader, wants []*regexp.Regexp, start time.Time, seen chan<- time.Duration) {
	br := bufio.NewReaderSize(r, 1<<16)
	buf := make([]byte, 1<<16)
	var text []byte
	for {
		n, err := br.Read(buf)
		if n > 0 && len(wants) > 0 {
			text = append(text, ansi.ReplaceAll(buf[:n], nil)...)
			for len(wants) > 0 {
				loc := wants[0].FindIndex(text)
				if loc == nil {
					break
				}
				seen <- time.Since(start)
				wants, text = wants[1:], text[loc[1]:]
			}
			if len(text) > 1<<20 {
				text = text[len(text)-1024:]
			}
		}
		if err != nil {
			for range wants {
				seen <- -1
			}
			return
		}
	}
}

func listOnce(tv, dir string) (sample, error) {
	cmd := exec.Command(tv, "--trust-dir", dir, "list", "--json")
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return sample{}, err
	}
	defer devnull.Close()
	cmd.Stdout = devnull
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("list --json: %w", err)
	}
	s := usage(cmd.ProcessState)
	s.Wall = time.Since(start)
	return s, nil
}

func usage(ps *os.ProcessState) sample {
	s := sample{CPU: ps.UserTime() + ps.SystemTime()}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		s.MaxRSS = ru.Maxrss * 1024 // Linux reports KiB
	}
	return s
}

// benchLine is one result line of go test -bench.
var benchLine = regexp.MustCompile(`^(Benchmark\S+)\s+\d+\s+([0-9.]+) ns/op`)

// keystrokeBench runs the ui's keystroke benchmarks and checks every
// result against goal.
func keystrokeBench(goal time.Duration) error {
	fmt.Println("keystroke and redraw (go test -bench 'Keystroke' ./ui/):")
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "Keystroke", "-benchtime", "200x", "./ui/")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("the ui benchmarks: %w\n%s", err, out)
	}
	var missed []string
	n := 0
	for line := range strings.Lines(string(out)) {
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(ns)
		n++
		verdict := "met"
		if d > goal {
			verdict = "MISSED"
			missed = append(missed, m[1])
		}
		fmt.Printf("  %-60s %8.3f ms (goal <= %v): %s\n", m[1], benchkit.MS(d), goal, verdict)
	}
	if n == 0 {
		return fmt.Errorf("no benchmark results in:\n%s", out)
	}
	if len(missed) > 0 {
		return fmt.Errorf("keystrokes over %v: %s", goal, strings.Join(missed, ", "))
	}
	return nil
}
