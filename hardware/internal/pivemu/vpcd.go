package pivemu

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"time"
)

// vpcd control bytes (a 1-byte message from the reader driver).
const (
	vpcdPowerOff = 0x00
	vpcdPowerOn  = 0x01
	vpcdReset    = 0x02
	vpcdGetATR   = 0x04
)

// Reader is one vpcd slot: the place a card is inserted into. The zero
// value is an empty reader.
type Reader struct {
	mu      sync.Mutex
	card    *Card
	changed chan struct{} // closed and replaced whenever card changes
	conn    net.Conn
	// When removeArmed, the card answers removeLeft more APDUs and is
	// then pulled out.
	removeArmed bool
	removeLeft  int
	apdus       int
}

func (r *Reader) init() {
	if r.changed == nil {
		r.changed = make(chan struct{})
	}
}

// Insert puts a card into the reader (replacing any card there).
func (r *Reader) Insert(c *Card) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	r.card = c
	r.removeArmed = false
	if r.conn != nil {
		r.conn.Close()
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// Eject pulls the card out.
func (r *Reader) Eject() { r.Insert(nil) }

// Card returns the card in the reader, or nil.
func (r *Reader) Card() *Card {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.card
}

// RemoveAfter makes the card leave the reader after it has answered n more
// APDUs: the next one gets no answer, as when a person pulls the token out
// in the middle of an operation.
func (r *Reader) RemoveAfter(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeArmed, r.removeLeft = true, n
}

// APDUs counts the APDUs the reader passed to its cards.
func (r *Reader) APDUs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.apdus
}

// ServeVPCD connects the reader to vpcd at addr (vpcd in server mode
// listens; the card side dials it) and answers it until ctx ends. While no
// card is inserted it stays disconnected, so that pcscd sees an empty
// slot; when vpcd is not up yet or the connection drops, it dials again.
func ServeVPCD(ctx context.Context, addr string, r *Reader) error {
	r.mu.Lock()
	r.init()
	r.mu.Unlock()
	for ctx.Err() == nil {
		r.mu.Lock()
		card, changed := r.card, r.changed
		r.mu.Unlock()
		if card == nil {
			select {
			case <-ctx.Done():
			case <-changed:
			}
			continue
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-changed:
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		r.mu.Lock()
		if r.card != card {
			r.mu.Unlock()
			conn.Close()
			continue
		}
		r.conn = conn
		r.mu.Unlock()
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		serveConn(conn, r, card)
		stop()
		conn.Close()
		r.mu.Lock()
		if r.conn == conn {
			r.conn = nil
		}
		r.mu.Unlock()
	}
	return ctx.Err()
}

// serveConn answers vpcd's messages until the connection ends.
func serveConn(conn net.Conn, r *Reader, card *Card) {
	var hdr [2]byte
	for {
		quickAck(conn)
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		quickAck(conn)
		if _, err := io.ReadFull(conn, msg); err != nil {
			return
		}
		var reply []byte
		if len(msg) == 1 {
			switch msg[0] {
			case vpcdGetATR:
				reply = card.ATR()
			case vpcdPowerOff, vpcdPowerOn, vpcdReset:
				card.Reset()
				continue
			default:
				continue
			}
		} else {
			r.mu.Lock()
			if r.removeArmed {
				if r.removeLeft == 0 { // pulled out: no answer
					r.removeArmed, r.card = false, nil
					close(r.changed)
					r.changed = make(chan struct{})
					r.mu.Unlock()
					return
				}
				r.removeLeft--
			}
			r.apdus++
			r.mu.Unlock()
			reply = card.Transmit(msg)
		}
		out := make([]byte, 2+len(reply))
		binary.BigEndian.PutUint16(out, uint16(len(reply)))
		copy(out[2:], reply)
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}
