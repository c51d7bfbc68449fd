package imapstore

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestExactReaderShortBody: a body literal cut short (the connection
// closed mid-message, which the connection's reader reports as io.EOF)
// reads as io.ErrUnexpectedEOF, so that no consumer keeps a truncated
// message; a whole one reads as usual.
func TestExactReaderShortBody(t *testing.T) {
	if _, err := io.ReadAll(&exactReader{r: strings.NewReader("abc"), left: 5}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("3 of 5 bytes: err %v, want io.ErrUnexpectedEOF", err)
	}
	got, err := io.ReadAll(&exactReader{r: strings.NewReader("abcde"), left: 5})
	if err != nil || string(got) != "abcde" {
		t.Errorf("5 of 5 bytes: %q, %v", got, err)
	}
}
