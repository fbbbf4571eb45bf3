package remote_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault/remote"
)

// A publish to a server that takes the connection but never finishes the
// TLS handshake sent nothing: the error says it is unreachable, not that
// it may have taken the update (which keeps new key files for nothing).
func TestPublishHandshakeNeverFinishes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the test ends
		}
	}()
	o := remote.Options{GUN: "registry.test/team/app", Server: "https://" + l.Addr().String(), TrustDir: t.TempDir(), Timeout: 300 * time.Millisecond}
	err = remote.Publish(context.Background(), o, map[string][]byte{"targets": []byte("{}")})
	if err == nil || errors.Is(err, remote.ErrUncertain) || !errors.Is(err, remote.ErrUnreachable) {
		t.Fatalf("publish to a silent server: %v; want unreachable, not uncertain", err)
	}
}
