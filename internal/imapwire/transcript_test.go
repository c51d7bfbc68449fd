package imapwire

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

// readTranscript decodes a recorded server stream, streaming body literals
// to a hash, and returns the responses.
func readTranscript(t *testing.T, path string) ([]*imap.Response, []LiteralInfo) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var infos []LiteralInfo
	d := NewDecoder(bufio.NewReader(bytes.NewReader(data)), DecoderOptions{
		Literal: func(info LiteralInfo, r io.Reader) (imap.Value, error) {
			infos = append(infos, info)
			h := sha256.New()
			n, err := io.Copy(h, r)
			return imap.Streamed{Size: n, Ref: h.Sum(nil)}, err
		},
	})
	var out []*imap.Response
	for {
		r, err := d.ReadResponse()
		if errors.Is(err, io.EOF) {
			return out, infos
		}
		if err != nil {
			t.Fatalf("%s response %d: %v", path, len(out)+1, err)
		}
		out = append(out, r)
	}
}

// TestDovecotTranscript: a session recorded from Dovecot 2.3.19 (SELECT
// with QRESYNC, FETCH of bodies, LIST with SPECIAL-USE and STATUS return,
// MOVE, conditional STORE, IDLE) decodes, and every response converts to
// typed data without error.
func TestDovecotTranscript(t *testing.T) {
	rs, infos := readTranscript(t, "testdata/dovecot-2.3.19.server")
	counts := map[string]int{}
	var sel, qresync imap.SelectData
	inSelect := false
	for _, r := range rs {
		if inSelect {
			if _, err := qresync.Apply(r); err != nil {
				t.Errorf("%s: %v", r, err)
			}
		}
		switch r.Tag {
		case "t15":
			inSelect = true
		case "t16":
			inSelect = false
		}
		counts[r.Name()]++
		if err := typed(r, &sel); err != nil {
			t.Errorf("%s: %v", r, err)
		}
		if r.Tag != "*" && r.Tag != "+" && r.Status != imap.StatusOK {
			t.Errorf("command failed in the recording: %s", r)
		}
	}
	if counts["FETCH"] < 12 || counts["LIST"] < 9 || counts["STATUS"] < 7 || counts["VANISHED"] < 4 || counts["ESEARCH"] != 1 {
		t.Errorf("response counts %v", counts)
	}
	names := map[string]imap.MailboxAttr{}
	for _, r := range rs {
		if r.Name() == "LIST" {
			l, _ := imap.ParseList(r, false)
			names[l.Name] = l.SpecialUse()
		}
	}
	if su, ok := names["Entwürfe"]; !ok || su != "" || names["Drafts"] != imap.AttrDrafts || names["Trash"] != imap.AttrTrash {
		t.Errorf("LIST names and special-use: %v", names)
	}
	var bodies, binaries int
	for _, in := range infos {
		if !in.Body || in.Name != "FETCH" || in.Num == 0 {
			t.Errorf("literal info %+v", in)
		}
		switch {
		case in.Item == "BODY[]":
			bodies++
		case strings.HasPrefix(in.Item, "BINARY["):
			binaries++
		}
	}
	if bodies != 3 || binaries != 3 {
		t.Errorf("%d BODY[] literals streamed, want 3 (infos %+v)", bodies, infos)
	}
	if qresync.UIDValidity == 0 || qresync.HighestModSeq != 8 || qresync.Exists != 3 || qresync.Vanished.String() != "4" ||
		len(qresync.Changed) != 3 || qresync.Changed[1].UID != 2 || !imap.HasFlag(qresync.Changed[1].Flags, "$forwarded") ||
		len(qresync.Flags) != 7 {
		t.Errorf("QRESYNC select data %+v", qresync)
	}
}

// typed converts r with the parser for its kind.
func typed(r *imap.Response, sel *imap.SelectData) error {
	var err error
	switch r.Name() {
	case "FETCH":
		_, err = imap.ParseFetch(r)
	case "LIST", "LSUB":
		_, err = imap.ParseList(r, false)
	case "STATUS":
		_, err = imap.ParseStatus(r, false)
	case "SEARCH", "ESEARCH":
		_, err = imap.ParseSearch(r, false)
	case "VANISHED":
		_, err = imap.ParseVanished(r)
	case "CAPABILITY":
		_, err = imap.ParseCapability(r)
	case "ENABLED":
		_, err = imap.ParseEnabled(r)
	case "NAMESPACE":
		_, err = imap.ParseNamespace(r, false)
	case "ID":
		_, err = imap.ParseID(r)
	case "OK":
		err = typedCode(r, sel)
	}
	return err
}

func typedCode(r *imap.Response, sel *imap.SelectData) error {
	var err error
	switch r.Code {
	case imap.CodeAppendUID:
		_, err = imap.ParseAppendUID(r.CodeArgs)
	case imap.CodeCopyUID:
		_, err = imap.ParseCopyUID(r.CodeArgs)
	case imap.CodeModified:
		_, err = imap.ParseModified(r.CodeArgs)
	case imap.CodeCapability:
		_, err = imap.ParseCapability(r)
	default:
		_, err = sel.Apply(r)
	}
	return err
}

// TestDovecotTranscriptBuffered: the same stream without a LiteralFunc
// buffers the bodies within the limit.
func TestDovecotTranscriptBuffered(t *testing.T) {
	data, err := os.ReadFile("testdata/dovecot-2.3.19.server")
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(bufio.NewReader(bytes.NewReader(data)), DecoderOptions{})
	found := false
	for {
		r, err := d.ReadResponse()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.Name() != "FETCH" {
			continue
		}
		f, err := imap.ParseFetch(r)
		if err != nil {
			t.Fatal(err)
		}
		if s := f.Section("BODY[]"); s != nil && f.UID == 1 {
			text, ok := s.Text()
			found = ok && bytes.HasPrefix([]byte(text), []byte("From: Alice <alice@example.org>\r\n")) && len(text) == 196
		}
	}
	if !found {
		t.Error("BODY[] of UID 1 not buffered as expected")
	}
}
