//go:build cgo

package pivtest

// #cgo linux pkg-config: libpcsclite
// #cgo darwin LDFLAGS: -framework PCSC
// #include <stdlib.h>
// #include <string.h>
// #include <PCSC/winscard.h>
// #include <PCSC/wintypes.h>
//
// static LONG reader_state(const char *name, DWORD *state) {
//	SCARDCONTEXT ctx;
//	LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
//	if (rc != SCARD_S_SUCCESS) return rc;
//	SCARD_READERSTATE rs;
//	memset(&rs, 0, sizeof rs);
//	rs.szReader = name;
//	rs.dwCurrentState = SCARD_STATE_UNAWARE;
//	rc = SCardGetStatusChange(ctx, 0, &rs, 1);
//	*state = rs.dwEventState;
//	SCardReleaseContext(ctx);
//	return rc;
// }
// static LONG connect_exclusive(const char *name) {
//	SCARDCONTEXT ctx;
//	LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
//	if (rc != SCARD_S_SUCCESS) return rc;
//	SCARDHANDLE h;
//	DWORD proto;
//	rc = SCardConnect(ctx, name, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T1, &h, &proto);
//	if (rc == SCARD_S_SUCCESS) SCardDisconnect(h, SCARD_LEAVE_CARD);
//	SCardReleaseContext(ctx);
//	return rc;
// }
// static DWORD state_present(void) { return SCARD_STATE_PRESENT; }
// static DWORD state_empty(void) { return SCARD_STATE_EMPTY; }
import "C"

import (
	"fmt"
	"unsafe"
)

// readerState asks pcscd whether a card is in the reader, without
// connecting to it (piv.Open would take it exclusively, and leaks its
// handle when the card goes away half-way through opening).
func readerState(name string) (present, empty bool, err error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var st C.DWORD
	if rc := C.reader_state(cname, &st); rc != C.SCARD_S_SUCCESS {
		return false, false, fmt.Errorf("SCardGetStatusChange: 0x%08x", uint32(rc))
	}
	return st&C.state_present() != 0, st&C.state_empty() != 0, nil
}

// connectExclusive connects to the card exclusively and lets it go: it
// fails while anyone (a test that forgot Close) holds the card.
func connectExclusive(name string) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	if rc := C.connect_exclusive(cname); rc != C.SCARD_S_SUCCESS {
		return fmt.Errorf("SCardConnect: 0x%08x", uint32(rc))
	}
	return nil
}
