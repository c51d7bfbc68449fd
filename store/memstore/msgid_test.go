package memstore

import (
	"strings"
	"testing"
)

func TestParseMessageID(t *testing.T) {
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
		{"empty", "", ""},
		{"unterminated bracket", "Message-ID: <broken\r\n\r\n", "broken"},
	}
	for _, c := range cases {
		if got := parseMessageID([]byte(c.msg)); got != c.want {
			t.Errorf("%s: parseMessageID = %q, want %q", c.name, got, c.want)
		}
	}
}

func FuzzParseMessageID(f *testing.F) {
	f.Add([]byte("Message-ID: <a@b>\r\n\r\nbody"))
	f.Add([]byte("Message-ID:\r\n <x>\r\n"))
	f.Add([]byte("Message-ID: <\r\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		id := parseMessageID(msg)
		if strings.ContainsAny(id, "\r\n") || strings.TrimSpace(id) != id {
			t.Errorf("id %q holds line breaks or outer spaces", id)
		}
	})
}
