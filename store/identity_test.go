package store

import "testing"

func TestHeaderIdentity(t *testing.T) {
	cases := []struct{ name, msg, want string }{
		{"simple", "Message-ID: <a@b>\r\n\r\nbody", "a@b"},
		{"case and LF", "subject: x\nmessage-id:<a@b>\n\nbody", "a@b"},
		{"folded", "Message-ID:\r\n <long@id>\r\nX: y\r\n\r\n", "long@id"},
		{"comment after", "Message-ID: <a@b> (added by relay)\r\n\r\n", "a@b"},
		{"no brackets", "Message-ID: bare@id\r\n\r\n", "bare@id"},
		{"first wins", "Message-ID: <one@x>\r\nMessage-ID: <two@x>\r\n\r\n", "one@x"},
		{"only header block", "Subject: x\r\n\r\nMessage-ID: <body@x>\r\n", ""},
		{"resent is not it", "Resent-Message-ID: <r@x>\r\n\r\n", ""},
		{"none", "Subject: x\r\n\r\n", ""},
		{"unterminated bracket", "Message-ID: <broken\r\n\r\n", "broken"},
	}
	for _, c := range cases {
		id, hh := HeaderIdentityBytes([]byte(c.msg))
		if id != c.want {
			t.Errorf("%s: Message-ID %q, want %q", c.name, id, c.want)
		}
		if (hh == "") != (id != "") {
			t.Errorf("%s: header hash %q with Message-ID %q: want a hash exactly when there is no Message-ID", c.name, hh, id)
		}
	}
}

// One identity for both line-ending forms and for every spelling of one
// Message-ID: the engine's matches (adopt, recovery, re-pair) all use it.
func TestIdentity(t *testing.T) {
	crlf := "Subject: no id\r\nFrom: a@b\r\n\r\nbody\r\n"
	lf := "Subject: no id\nFrom: a@b\nStatus: RO\n\nbody\n"
	_, h1 := HeaderIdentityBytes([]byte(crlf))
	_, h2 := HeaderIdentityBytes([]byte(lf))
	if h1 == "" || h1 != h2 {
		t.Fatalf("header hashes %q and %q differ for one message in CRLF and LF (with Status:)", h1, h2)
	}
	a := IdentityOf(Message{MessageID: " <x@y> ", Size: 10})
	b := IdentityOf(Message{MessageID: "x@y", Size: 10})
	c := IdentityOf(Message{MessageID: "x@y", Size: 11})
	if !a.Same(b) || a.Same(c) || !a.Like(c) {
		t.Errorf("identities %v %v %v: want a=b, a!=c, a like c", a, b, c)
	}
	d := IdentityOf(Message{HeaderHash: h1, Size: 10})
	if !d.Known() || d.Same(a) || IdentityOf(Message{Size: 10}).Same(IdentityOf(Message{Size: 10})) {
		t.Errorf("a message without Message-ID and hash must match nothing; one with a hash must be known")
	}
}
