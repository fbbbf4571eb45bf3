// Command vpiv runs the PIV card emulator as a card for a vpcd reader
// slot, for manual checks with yubico-piv-tool, ykman or trustvault itself
// (PIV-RIG.md §3):
//
//	vpiv -version 4.3.7 -serial 10000001 -addr 127.0.0.1:35963
//
// The card lives in memory until the command is stopped.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/trustvault/trustvault/hardware/internal/pivemu"
)

func main() {
	version := flag.String("version", "4.3.7", "firmware version to report")
	serial := flag.Uint("serial", 10000001, "serial number")
	addr := flag.String("addr", "127.0.0.1:35963", "vpcd's address for the slot (vpcd in server mode)")
	flag.Parse()
	var v [3]byte
	parts := strings.Split(*version, ".")
	if len(parts) != 3 {
		log.Fatalf("-version %q: want major.minor.patch", *version)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			log.Fatalf("-version %q: %v", *version, err)
		}
		v[i] = byte(n)
	}
	card := pivemu.New(pivemu.Options{Version: v, Serial: uint32(*serial)})
	var r pivemu.Reader
	r.Insert(card)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(os.Stderr, "vpiv: YubiKey %s, serial %d, on %s\n", *version, *serial, *addr)
	_ = pivemu.ServeVPCD(ctx, *addr, &r)
}
