//go:build cgo && (linux || darwin || freebsd || openbsd)

package hardware

// A minimal PC/SC binding for the APDUs piv-go does not send, and for
// telling pcsc errors apart (piv-go's are unexported).

// #cgo linux pkg-config: libpcsclite
// #cgo darwin LDFLAGS: -framework PCSC
// #cgo freebsd openbsd CFLAGS: -I/usr/local/include -I/usr/local/include/PCSC
// #cgo freebsd openbsd LDFLAGS: -L/usr/local/lib -lpcsclite
// #include <stdlib.h>
// #include <PCSC/winscard.h>
// #include <PCSC/wintypes.h>
//
// static const SCARD_IO_REQUEST *pci_t1(void) { return SCARD_PCI_T1; }
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// PC/SC return codes trustvault tells apart.
const (
	rcUnknownReader    = 0x80100009
	rcSharing          = 0x8010000B
	rcNoSmartcard      = 0x8010000C
	rcReaderUnavail    = 0x80100017
	rcNoService        = 0x8010001D
	rcServiceStopped   = 0x8010001E
	rcNoReaders        = 0x8010002E
	rcCommError        = 0x80100013
	rcUnresponsive     = 0x80100066
	rcUnpowered        = 0x80100067
	rcResetCard        = 0x80100068
	rcRemovedCard      = 0x80100069
	rcUnknownError     = 0x80100014
	rcNotTransacted    = 0x80100016
	rcInvalidHandle    = 0x80100003
	rcReaderNotPresent = 0x8010000D
)

// pcscError is a PC/SC failure, mapped to the package's sentinels where
// one fits.
func pcscError(op string, rc uint32) error {
	var base error
	switch rc {
	case rcNoService, rcServiceStopped:
		base = ErrNoService
	case rcRemovedCard, rcNoSmartcard, rcResetCard, rcUnpowered, rcUnresponsive, rcReaderUnavail, rcUnknownReader, rcCommError:
		base = ErrRemoved
	case rcSharing:
		base = ErrInUse
	}
	if base != nil {
		return fmt.Errorf("%s: %w (pcsc 0x%08x)", op, base, rc)
	}
	return fmt.Errorf("%s: pcsc error 0x%08x", op, rc)
}

// pcscContext is an established PC/SC context.
type pcscContext struct{ ctx C.SCARDCONTEXT }

func newPCSCContext() (*pcscContext, error) {
	var ctx C.SCARDCONTEXT
	if rc := C.SCardEstablishContext(C.SCARD_SCOPE_SYSTEM, nil, nil, &ctx); rc != C.SCARD_S_SUCCESS {
		return nil, pcscError("connect to the smart card service", uint32(rc))
	}
	return &pcscContext{ctx: ctx}, nil
}

func (c *pcscContext) close() { C.SCardReleaseContext(c.ctx) }

// pcscReaders lists the readers; none is an empty list.
func pcscReaders() ([]string, error) {
	c, err := newPCSCContext()
	if err != nil {
		return nil, err
	}
	defer c.close()
	var n C.DWORD
	rc := C.SCardListReaders(c.ctx, nil, nil, &n)
	if uint32(rc) == rcNoReaders {
		return nil, nil
	}
	if rc != C.SCARD_S_SUCCESS {
		return nil, pcscError("list the card readers", uint32(rc))
	}
	buf := make([]byte, n)
	rc = C.SCardListReaders(c.ctx, nil, (*C.char)(unsafe.Pointer(&buf[0])), &n)
	if uint32(rc) == rcNoReaders {
		return nil, nil
	}
	if rc != C.SCARD_S_SUCCESS {
		return nil, pcscError("list the card readers", uint32(rc))
	}
	var out []string
	start := 0
	for i, b := range buf[:n] {
		if b == 0 {
			if i > start {
				out = append(out, string(buf[start:i]))
			}
			start = i + 1
		}
	}
	return out, nil
}

// pcscCard is an exclusive connection to the card in one reader, inside a
// transaction, as piv-go makes it.
type pcscCard struct {
	ctx *pcscContext
	h   C.SCARDHANDLE
}

var _ rawCard = (*pcscCard)(nil)

func openPCSCCard(reader string) (*pcscCard, error) {
	ctx, err := newPCSCContext()
	if err != nil {
		return nil, err
	}
	name := C.CString(reader)
	defer C.free(unsafe.Pointer(name))
	var h C.SCARDHANDLE
	var proto C.DWORD
	rc := C.SCardConnect(ctx.ctx, name, C.SCARD_SHARE_EXCLUSIVE, C.SCARD_PROTOCOL_T1, &h, &proto)
	if rc != C.SCARD_S_SUCCESS {
		ctx.close()
		return nil, pcscError("connect to the token", uint32(rc))
	}
	if rc := C.SCardBeginTransaction(h); rc != C.SCARD_S_SUCCESS {
		C.SCardDisconnect(h, C.SCARD_LEAVE_CARD)
		ctx.close()
		return nil, pcscError("begin a transaction", uint32(rc))
	}
	return &pcscCard{ctx: ctx, h: h}, nil
}

func (c *pcscCard) transmitRaw(cmd []byte) ([]byte, error) {
	if len(cmd) == 0 {
		return nil, errors.New("empty command")
	}
	var resp [C.MAX_BUFFER_SIZE_EXTENDED]byte
	n := C.DWORD(len(resp))
	rc := C.SCardTransmit(c.h, C.pci_t1(), (*C.BYTE)(unsafe.Pointer(&cmd[0])), C.DWORD(len(cmd)), nil,
		(*C.BYTE)(unsafe.Pointer(&resp[0])), &n)
	if rc != C.SCARD_S_SUCCESS {
		return nil, pcscError("talk to the token", uint32(rc))
	}
	return append([]byte(nil), resp[:n]...), nil
}

// close ends the transaction and the connection, leaving the card as it is.
func (c *pcscCard) close() {
	C.SCardEndTransaction(c.h, C.SCARD_LEAVE_CARD)
	C.SCardDisconnect(c.h, C.SCARD_LEAVE_CARD)
	c.ctx.close()
}

// present reports whether a card is in the reader, without connecting.
func readerHasCard(reader string) (bool, error) {
	ctx, err := newPCSCContext()
	if err != nil {
		return false, err
	}
	defer ctx.close()
	name := C.CString(reader)
	defer C.free(unsafe.Pointer(name))
	var rs C.SCARD_READERSTATE
	rs.szReader = name
	rs.dwCurrentState = C.SCARD_STATE_UNAWARE
	if rc := C.SCardGetStatusChange(ctx.ctx, 0, &rs, 1); rc != C.SCARD_S_SUCCESS {
		return false, pcscError("look at the reader", uint32(rc))
	}
	return rs.dwEventState&C.SCARD_STATE_PRESENT != 0, nil
}
