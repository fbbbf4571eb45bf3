package pivemu

import (
	"net"
	"syscall"
)

// quickAck re-arms TCP_QUICKACK before a read. Debian 12's vpcd sends the
// length and the APDU in two writes without TCP_NODELAY, so without an
// immediate ACK from this side every APDU waits about 40 ms for the
// delayed ACK (PIV-RIG.md §4.1).
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
