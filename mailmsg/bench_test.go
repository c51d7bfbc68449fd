package mailmsg

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

// typicalHeader is a 2 KB header block like a mailing-list message's.
var typicalHeader = strings.Repeat("Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n\tby mail.example.net with ESMTPS id 12345\r\n", 10) +
	"From: =?UTF-8?Q?J=C3=B6rg?= <j@example.org>\r\nTo: list@example.net\r\nSubject: =?UTF-8?B?w6l0w6k=?= report\r\n" +
	"Message-ID: <abc.123@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"

func BenchmarkReadHeader(b *testing.B) {
	msg := []byte(typicalHeader + "body\r\n")
	r := bytes.NewReader(msg)
	br := bufio.NewReader(r)
	b.SetBytes(int64(len(typicalHeader)))
	for b.Loop() {
		r.Reset(msg)
		br.Reset(r)
		h, err := ReadHeader(br)
		if err != nil {
			b.Fatal(err)
		}
		if h.MessageID() == "" {
			b.Fatal("no Message-ID")
		}
	}
}

// BenchmarkRewrite10MB sets X-Keywords on a 10 MB message, streaming.
func BenchmarkRewrite10MB(b *testing.B) {
	b.SetBytes(10 << 20)
	for b.Loop() {
		_, err := Rewrite(io.Discard, newBigMessage(10<<20), func(h *Header) error {
			return h.SetKeywords([]string{"Work", "Ärger"})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
