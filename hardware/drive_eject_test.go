package hardware_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/hardware"
)

type logRunner struct {
	calls []string
	fail  string
}

func (r *logRunner) Output(name string, args ...string) ([]byte, error) {
	c := name + " " + strings.Join(args, " ")
	r.calls = append(r.calls, c)
	if r.fail != "" && strings.Contains(c, r.fail) {
		return nil, errors.New("not authorized")
	}
	return nil, nil
}

func TestEject(t *testing.T) {
	stick := hardware.Drive{Mount: "/media/alice/KEYS", Device: "/dev/sdb1", Identity: hardware.Identity{Disk: "sdb", Known: true}}
	have := func(names ...string) func(string) (string, error) {
		return func(n string) (string, error) {
			for _, x := range names {
				if x == n {
					return "/usr/bin/" + n, nil
				}
			}
			return "", errors.New("not found")
		}
	}
	for _, tc := range []struct {
		name, goos string
		look       func(string) (string, error)
		fail       string
		calls      string
		said       string
		err        bool
	}{
		{"udisks", "linux", have("udisksctl"), "", "udisksctl unmount --no-user-interaction -b /dev/sdb1|udisksctl power-off --no-user-interaction -b /dev/sdb", "powered off /dev/sdb", false},
		{"power-off refused", "linux", have("udisksctl"), "power-off", "udisksctl unmount --no-user-interaction -b /dev/sdb1|udisksctl power-off --no-user-interaction -b /dev/sdb", "power-off was refused", false},
		{"umount only", "linux", have(), "", "umount /media/alice/KEYS", "not powered off", false},
		{"umount fails", "linux", have(), "umount", "umount /media/alice/KEYS", "", true},
		{"macOS", "darwin", have(), "", "diskutil eject sdb", "ejected", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &logRunner{fail: tc.fail}
			e := &hardware.Ejector{Run: r, LookPath: tc.look, GOOS: tc.goos}
			said, err := e.Eject(stick)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v", err)
			}
			if got := strings.Join(r.calls, "|"); got != tc.calls {
				t.Errorf("calls %q, want %q", got, tc.calls)
			}
			if !strings.Contains(said, tc.said) {
				t.Errorf("said %q, want %q", said, tc.said)
			}
		})
	}
}
