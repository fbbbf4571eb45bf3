package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
)

// Listing reads every key file, and encoding/pem's Decode, which copes
// with any layout (blocks anywhere in the text, carriage returns, spaces,
// repeated BEGIN lines), was a sixth of listing's CPU at 10,000 keys.
// decodeCanonicalPEM reads only the one layout pem.Encode writes, which is
// what docker, notary and trustvault write:
//
//	-----BEGIN TYPE-----
//	gun: docker.io/acme/app    (headers, if any, then an empty line)
//	role: targets
//
//	base64, 64 characters a line, the last line shorter
//	-----END TYPE-----
//
// and nothing after it. Anything else (and anything it is not sure of) is
// left to pem.Decode: it returns ok only when pem.Decode would return the
// same block with nothing after it (FuzzCanonicalPEM checks this).

const (
	pemBegin    = "-----BEGIN "
	pemEnd      = "-----END "
	pemDashes   = "-----"
	pemLineSize = 64
)

// decodeCanonicalPEM decodes data when it is exactly one PEM block as
// pem.Encode writes it; ok is false otherwise.
func decodeCanonicalPEM(data []byte) (block *pem.Block, ok bool) {
	line, rest, ok := cutLine(data)
	if !ok || !bytes.HasPrefix(line, []byte(pemBegin)) || !bytes.HasSuffix(line, []byte(pemDashes)) {
		return nil, false
	}
	typ := line[len(pemBegin) : len(line)-len(pemDashes)]
	if !plainType(typ) {
		return nil, false
	}
	headers, rest, ok := canonicalHeaders(rest)
	if !ok {
		return nil, false
	}
	body, ok := canonicalBody(rest, typ)
	if !ok {
		return nil, false
	}
	if headers == nil {
		headers = map[string]string{}
	}
	return &pem.Block{Type: known(blockTypes, typ), Headers: headers, Bytes: body}, true
}

// cutLine splits off the first line, without its newline; ok is false
// when there is no newline.
func cutLine(data []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return nil, nil, false
	}
	return data[:i], data[i+1:], true
}

// plainType: a block type of capital letters and digits, words joined by
// one space ("ENCRYPTED PRIVATE KEY").
func plainType(t []byte) bool {
	if len(t) == 0 || t[0] == ' ' || t[len(t)-1] == ' ' || bytes.Contains(t, []byte("  ")) {
		return false
	}
	for _, c := range t {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ') {
			return false
		}
	}
	return true
}

// canonicalHeaders reads the header lines ("key: value") and the empty
// line after them, if the block has headers.
func canonicalHeaders(data []byte) (headers map[string]string, rest []byte, ok bool) {
	for {
		line, next, ok := cutLine(data)
		if !ok {
			return nil, nil, false
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			if headers != nil && len(line) != 0 {
				return nil, nil, false // headers end with an empty line
			}
			if headers != nil {
				data = next
			}
			return headers, data, true
		}
		key, val := line[:colon], line[colon+1:]
		if !headerKey(key) || len(val) < 2 || val[0] != ' ' || !headerValue(val[1:]) {
			return nil, nil, false
		}
		if headers == nil {
			headers = make(map[string]string, 2)
		}
		// A key given twice keeps its last value, as in pem.Decode.
		headers[known(headerKeys, key)], data = string(val[1:]), next
	}
}

// headerKey: letters, digits, '-' and '_', not starting with '-'.
func headerKey(k []byte) bool {
	if len(k) == 0 || k[0] == '-' {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// headerValue: printable ASCII, no space or tab at either end, and no run
// of five dashes (pem.Decode looks for BEGIN and END lines anywhere).
func headerValue(v []byte) bool {
	if len(v) == 0 || v[0] == ' ' || v[len(v)-1] == ' ' || bytes.Contains(v, []byte(pemDashes)) {
		return false
	}
	for _, c := range v {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// canonicalBody decodes the base64 lines before the END line of type
// typ, which must end the data. Each full line is 16 base64 quanta, so the
// lines are decoded one by one into one buffer, with no copy of the text;
// padding is allowed only on the last line, as in a decoding of the whole.
func canonicalBody(data, typ []byte) ([]byte, bool) {
	endLen := len(pemEnd) + len(typ) + len(pemDashes) + 1
	if len(data) < endLen {
		return nil, false
	}
	lines, end := data[:len(data)-endLen], data[len(data)-endLen:]
	if !bytes.HasPrefix(end, []byte(pemEnd)) || !bytes.Equal(end[len(pemEnd):len(pemEnd)+len(typ)], typ) ||
		!bytes.HasSuffix(end, []byte(pemDashes+"\n")) {
		return nil, false
	}
	out := make([]byte, 0, len(lines)/4*3)
	for len(lines) > 0 {
		line, next, ok := cutLine(lines)
		last := len(next) == 0
		if !ok || len(line) == 0 || len(line) > pemLineSize || bytes.IndexByte(line, '\r') >= 0 ||
			!last && (len(line) < pemLineSize || bytes.IndexByte(line, '=') >= 0) {
			return nil, false
		}
		n, err := base64.StdEncoding.Decode(out[len(out):cap(out)], line)
		if err != nil {
			return nil, false
		}
		out, lines = out[:len(out)+n], next
	}
	return out, true
}

// blockTypes are the types key files hold, kept as constants rather than
// a new string for every file.
var blockTypes = []string{blockEncrypted, blockPKCS8, blockEC, blockRSA, blockEd25519, blockPublic}

// headerKeys likewise for the header keys.
var headerKeys = []string{headerRole, headerGUN, headerPath, headerProcType, headerDEKInfo}

// known returns the string of b from list, or a new one.
func known(list []string, b []byte) string {
	for _, s := range list {
		if string(b) == s {
			return s
		}
	}
	return string(b)
}
