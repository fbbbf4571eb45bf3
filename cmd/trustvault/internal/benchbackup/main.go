// Command benchbackup times `trustvault backup` of a store of many keys
// (10,000 by default) to two drives, with its read-back verification,
// against what a careful person does by hand: `tar czf` to each drive,
// `sync`, and reading each archive back (O_DIRECT, through `tar tz`). It
// prints the ratio of the medians (wall time, and CPU time beside it); the
// goal is at most 1.1 (make bench's -ratio).
//
// The drives are two loop-mounted ext4 images when loop devices can be
// used (root), else two directories (it says why); a fake sysfs presents
// them to trustvault as two USB sticks. The store is made by benchstore.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/cmd/trustvault/internal/benchkit"
	"github.com/trustvault/trustvault/hardware/drivetest"
)

func main() {
	var (
		tv    = flag.String("trustvault", "bin/trustvault", "the trustvault binary")
		keys  = flag.Int("keys", 10_000, "keys in the store")
		runs  = flag.Int("runs", 5, "timed runs of each")
		goal  = flag.Float64("ratio", 1.5, "goal: trustvault's median at most this multiple of the manual way's")
		store = flag.String("store", "", "trust directory to use (made with benchstore if it does not exist; default: a temporary one)")
	)
	flag.Parse()
	if err := run(*tv, *store, *keys, *runs, *goal); err != nil {
		fmt.Fprintln(os.Stderr, "benchbackup:", err)
		os.Exit(1)
	}
}

func run(tv, store string, keys, runs int, goal float64) error {
	if _, err := os.Stat(tv); err != nil {
		return fmt.Errorf("%w (make bench builds it)", err)
	}
	tv, _ = filepath.Abs(tv)
	tmp, err := os.MkdirTemp("", "trustvault-benchbackup-")
	if err != nil {
		return err
	}
	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
		os.RemoveAll(tmp)
	}()
	if store == "" {
		store = filepath.Join(tmp, "trust")
	}
	prep := exec.Command("go", "run", "./cmd/trustvault/internal/benchstore", "-prepare", "-dir", store, "-keys", fmt.Sprint(keys))
	prep.Stdout, prep.Stderr = os.Stdout, os.Stderr
	if err := prep.Run(); err != nil {
		return fmt.Errorf("prepare the store (run from the repository's root): %w", err)
	}

	a, b := filepath.Join(tmp, "A"), filepath.Join(tmp, "B")
	kind := "two loop-mounted ext4 filesystems"
	if why := drivetest.LoopUnavailable(); why != "" {
		kind = "two directories (" + why + ")"
		for _, d := range []string{a, b} {
			if err := os.Mkdir(d, 0o755); err != nil {
				return err
			}
		}
	} else {
		for _, d := range []string{a, b} {
			c, err := loopDrive(tmp, d, 256)
			cleanups = append(cleanups, c)
			if err != nil {
				return err
			}
		}
	}
	sysroot := filepath.Join(tmp, "sysroot")
	if _, err := drivetest.FakeMachine(sysroot, a, b); err != nil {
		return err
	}
	env := append(os.Environ(), "TRUSTVAULT_SYSROOT="+sysroot)

	clear := func() {
		for _, d := range []string{a, b} {
			entries, _ := os.ReadDir(d)
			for _, e := range entries {
				if e.Name() != "lost+found" {
					os.Remove(filepath.Join(d, e.Name()))
				}
			}
		}
		os.Remove(filepath.Join(store, "trustvault", "backups.json"))
	}
	ours := func() (time.Duration, error) {
		cmd := exec.Command(tv, "--trust-dir", store, "backup", "--to", a, "--to", b)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "2 of 2 copies verified") {
			return 0, fmt.Errorf("trustvault backup: %v\n%s", err, out)
		}
		return cpuTime(cmd.ProcessState), nil
	}
	// By hand: the archive made twice (tar has no tee), sync, each read
	// back from the device and listed.
	script := `set -e
cd "$1"
for d in "$2" "$3"; do tar czf "$d/keys.tar.gz" private; done
sync
for d in "$2" "$3"; do dd if="$d/keys.tar.gz" iflag=direct bs=1M status=none 2>/dev/null | tar tz >/dev/null || tar tzf "$d/keys.tar.gz" >/dev/null; done`
	manual := func() (time.Duration, error) {
		cmd := exec.Command("sh", "-c", script, "sh", store, a, b)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("tar czf: %v\n%s", err, out)
		}
		return cpuTime(cmd.ProcessState), nil // sh's with its children's (it waits for them)
	}
	var tOurs, tManual, cOurs, cManual []time.Duration
	for i := -1; i < runs; i++ { // one warm-up each, then alternate
		for _, m := range []struct {
			f        func() (time.Duration, error)
			out, cpu *[]time.Duration
		}{{ours, &tOurs, &cOurs}, {manual, &tManual, &cManual}} {
			clear()
			start := time.Now()
			cpu, err := m.f()
			if err != nil {
				return err
			}
			if i >= 0 {
				*m.out, *m.cpu = append(*m.out, time.Since(start)), append(*m.cpu, cpu)
			}
		}
	}
	clear()
	mo, mm := median(tOurs), median(tManual)
	ratio := float64(mo) / float64(mm)
	fmt.Printf("backup of %d keys to %s, %d runs each, %d CPUs, load average %s\n", keys, kind, runs, runtime.NumCPU(), benchkit.LoadAvg())
	fmt.Printf("  %-52s median %8.1f ms, CPU %8.1f ms\n", "trustvault backup (write, sync, read back, verify)", ms(mo), ms(median(cOurs)))
	fmt.Printf("  %-52s median %8.1f ms, CPU %8.1f ms\n", "tar czf to both + sync + read back (tar tz)", ms(mm), ms(median(cManual)))
	verdict := "met"
	if ratio > goal {
		verdict = "MISSED"
	}
	fmt.Printf("  ratio trustvault/manual %.2f (goal <= %.2f): %s; CPU time ratio %.2f\n", ratio, goal, verdict,
		float64(median(cOurs))/float64(max(median(cManual), 1)))
	if ratio > goal {
		return errors.New("a goal was missed")
	}
	return nil
}

// loopDrive makes a sizeMiB ext4 image, attaches it and mounts it at dir.
func loopDrive(tmp, dir string, sizeMiB int) (func(), error) {
	img := dir + ".img"
	noop := func() {}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return noop, err
	}
	f, err := os.Create(img)
	if err != nil {
		return noop, err
	}
	f.Truncate(int64(sizeMiB) << 20)
	f.Close()
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", img).CombinedOutput(); err != nil {
		return noop, fmt.Errorf("mkfs.ext4: %v\n%s", err, out)
	}
	out, err := exec.Command("losetup", "-f", "--show", img).Output()
	if err != nil {
		return noop, fmt.Errorf("losetup: %w", err)
	}
	dev := strings.TrimSpace(string(out))
	detach := func() { exec.Command("losetup", "-d", dev).Run() }
	if out, err := exec.Command("mount", dev, dir).CombinedOutput(); err != nil {
		detach()
		return noop, fmt.Errorf("mount: %v\n%s", err, out)
	}
	return func() {
		if exec.Command("umount", dir).Run() != nil {
			exec.Command("umount", "-l", dir).Run()
		}
		detach()
	}, nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// cpuTime is a finished process's user and system time.
func cpuTime(ps *os.ProcessState) time.Duration { return ps.UserTime() + ps.SystemTime() }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
