package hostile

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
)

// maxFrameLine bounds one line the proxy reads from either side; the
// double serves tests and must not itself be the memory problem.
const maxFrameLine = 1 << 20

// literalAt returns the size of the literal announced at the end of line
// ("{n}", "{n+}", "~{n}"; line without CRLF), or -1.
func literalAt(line []byte) int64 {
	if len(line) < 3 || line[len(line)-1] != '}' {
		return -1
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return -1
	}
	digits := bytes.TrimSuffix(line[open+1:len(line)-1], []byte("+"))
	n, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// readLine reads one CRLF-terminated line, CRLF included, within
// maxFrameLine.
func readLine(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		out = append(out, chunk...)
		if err == nil {
			return out, nil
		}
		if err != bufio.ErrBufferFull {
			return out, err
		}
		if len(out) > maxFrameLine {
			return out, io.ErrShortBuffer
		}
	}
}

// trimCRLF returns line without its line ending.
func trimCRLF(line []byte) []byte {
	return bytes.TrimRight(line, "\r\n")
}

// readResponse reads one whole server response: its lines and literals,
// as sent.
func readResponse(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		line, err := readLine(br)
		out = append(out, line...)
		if err != nil {
			return out, err
		}
		n := literalAt(trimCRLF(line))
		if n < 0 {
			return out, nil
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(br, lit); err != nil {
			return out, err
		}
		out = append(out, lit...)
	}
}

// Tag returns the tag of a response or command ("*", "+", "A12").
func Tag(resp []byte) string {
	if i := bytes.IndexAny(resp, " \r\n"); i > 0 {
		return string(resp[:i])
	}
	return string(trimCRLF(resp))
}
