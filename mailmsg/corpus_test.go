package mailmsg

import (
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// update rewrites testdata/corpus and testdata/golden from this file.
var update = flag.Bool("update", false, "rewrite the mailmsg test corpus and golden files")

const corpusDir = "testdata/corpus"

// bWord encodes s as one RFC 2047 B word in charset cs (via enc).
func bWord(cs string, enc encoding.Encoding, s string) string {
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err) // generator input is fixed: a failure is a bug here
	}
	return "=?" + cs + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
}

func longFolded(lines int) string {
	var b strings.Builder
	b.WriteString("To: first@example.org")
	for i := 0; i < lines; i++ {
		fmt.Fprintf(&b, ",\n user%d@example.org", i)
	}
	return b.String() + "\n"
}

// corpus is the set of hard messages: name -> exact bytes.
func corpus() map[string]string {
	jp := bWord("ISO-2022-JP", japanese.ISO2022JP, "日本語の件名です")
	koi := bWord("KOI8-R", charmap.KOI8R, "Привет, мир")
	cp1251 := bWord("windows-1251", charmap.Windows1251, "Тема письма")
	latin1, _ := charmap.ISO8859_1.NewEncoder().String("Grüße aus Köln")
	base := "From: Alice <alice@example.org>\nTo: bob@example.org\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n"
	return map[string]string{
		"01-lf-simple.eml":      base + "Subject: hello\nMessage-ID: <1@example.org>\n\nbody\n",
		"02-crlf-simple.eml":    strings.ReplaceAll(base, "\n", "\r\n") + "Subject: hello\r\nMessage-ID: <2@example.org>\r\n\r\nbody\r\n",
		"03-mixed-eol.eml":      "From: a@example.org\r\nSubject: mixed\nMessage-ID: <3@example.org>\r\n\nline1\r\nline2\n",
		"04-bare-cr.eml":        "From: a@example.org\nSubject: carriage\rreturn\nMessage-ID: <4@x>\n\nbody\rmore\n",
		"05-latin1-8bit.eml":    base + "Subject: " + latin1 + "\nMessage-ID: <5@x>\n\nbody\n",
		"06-utf8-8bit.eml":      base + "Subject: Grüße, 日本, Привет\nMessage-ID: <6@x>\n\nbody\n",
		"07-2047-iso2022jp.eml": base + "Subject: " + jp + "\nMessage-ID: <7@x>\n\nbody\n",
		"08-2047-koi8r.eml":     base + "Subject: " + koi + "\nMessage-ID: <8@x>\n\nbody\n",
		"09-2047-cp1251.eml":    base + "Subject: " + cp1251 + "\nMessage-ID: <9@x>\n\nbody\n",
		"10-2047-q-utf8.eml": base + "Subject: =?utf-8?Q?Caf=C3=A9_cr=C3=A8me?= and\n =?UTF-8?q?br=C3=BBl=C3=A9e?=\n" +
			"Message-ID: <10@x>\n\nbody\n",
		"11-2047-split-char.eml": base + "Subject: =?UTF-8?B?w6k=?= =?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=\nMessage-ID: <11@x>\n\nbody\n",
		"12-2047-unknown-cs.eml": base + "Subject: =?x-klingon?Q?tlhIngan?= plain\nMessage-ID: <12@x>\n\nbody\n",
		"13-2047-malformed.eml":  base + "Subject: =?UTF-8?B?@@@?= =?UTF-8?Q?open and =?utf-8?B?w6k?=\nMessage-ID: <13@x>\n\nbody\n",
		"14-folded-1000.eml":     longFolded(1000) + "Subject: many recipients\nMessage-ID: <14@x>\n\nbody\n",
		"15-no-body.eml":         base + "Subject: no body\nMessage-ID: <15@x>\n\n",
		"16-header-only.eml":     base + "Subject: header only\nMessage-ID: <16@x>\n",
		"17-no-final-eol.eml":    base + "Subject: no final newline\nMessage-ID: <17@x>",
		"18-empty.eml":           "",
		"19-nul-bytes.eml":       "From: a@example.org\nSubject: nul\x00inside\nMessage-ID: <19@x>\n\nbo\x00dy\n",
		"20-dup-message-id.eml":  base + "Message-ID: <first@x>\nSubject: dup\nMessage-ID: <second@x>\n\nbody\n",
		"21-no-message-id.eml":   base + "Subject: anonymous\n\nbody\n",
		"22-msgid-malformed.eml": base + "Subject: bad id\nMessage-ID: no-brackets@example.org extra\n\nbody\n",
		"23-msgid-folded.eml":    base + "Subject: folded id\nMessage-ID: (a comment)\n  <folded @\n example.org> (trailing)\n\nbody\n",
		"24-x-keywords.eml":      base + "Subject: labelled\nX-Keywords: Work, Important\nMessage-ID: <24@x>\n\nbody\n",
		"25-x-keywords-dup.eml":  base + "X-Keywords: one\nSubject: twice\nX-Keywords: two, one\nMessage-ID: <25@x>\n\nbody\n",
		"26-x-keywords-2047.eml": base + "Subject: encoded label\nX-Keywords: plain, =?UTF-8?B?w4RyZ2Vy?=,\n =?UTF-8?Q?a=2Cb?=\nMessage-ID: <26@x>\n\nbody\n",
		"27-rfc2231.eml": base + "Subject: params\nMessage-ID: <27@x>\nMIME-Version: 1.0\n" +
			"Content-Type: application/octet-stream;\n name*0*=utf-8''%E2%82%AC%20rates;\n name*1=\" and more.pdf\";\n" +
			" charset=\"us-ascii\" (comment)\nContent-Disposition: attachment; filename*=iso-8859-1'de'Gr%FC%DFe.txt\n\nbody\n",
		"28-mbox-from-line.eml":         "From alice@example.org Mon Jan  1 10:00:00 2024\n" + base + "Subject: mbox\n\nbody\n",
		"29-leading-space.eml":          " starts with a space\nFrom: a@example.org\n\nbody\n",
		"30-space-before-colon.eml":     "From : a@example.org\nSubject\t: obsolete\nMessage-ID : <30@x>\n\nbody\n",
		"31-very-long-line.eml":         base + "Subject: " + strings.Repeat("long ", 2000) + "\nMessage-ID: <31@x>\n\nbody\n",
		"32-body-looks-like-header.eml": base + "Subject: body\nMessage-ID: <32@x>\n\nX-Keywords: fake\nSubject: not a header\n",
		"33-tab-folding.eml":            base + "Subject: tab\n\tfolded\n\tsubject\nMessage-ID: <33@x>\n\nbody\n",
		"34-blank-continuation.eml":     base + "Subject: spaces\n   \nMessage-ID: <34@x>\n\nbody\n",
		"35-crlf-header-lf-body.eml":    "From: a@example.org\r\nSubject: hybrid\r\nMessage-ID: <35@x>\r\n\r\nlf body\nmore\n",
		"36-keywords-no-eol.eml":        "From: a@example.org\nX-Keywords: old",
		"37-no-colon-line.eml":          "From: a@example.org\nSubject: then junk\nthis line has no colon\nX-Other: after junk\n\nbody\n",
		"38-empty-value.eml":            "From: a@example.org\nSubject:\nMessage-ID:\nX-Keywords:\n\nbody\n",
	}
}

// TestCorpusFiles keeps testdata/corpus equal to the generator above (run
// with -update to rewrite it).
func TestCorpusFiles(t *testing.T) {
	msgs := corpus()
	if len(msgs) < 30 {
		t.Fatalf("corpus has %d messages, the issue asks for at least 30", len(msgs))
	}
	if *update {
		if err := os.MkdirAll(corpusDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, m := range msgs {
			if err := os.WriteFile(filepath.Join(corpusDir, name), []byte(m), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, m := range msgs {
		got, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil || string(got) != m {
			t.Errorf("%s differs from the generator (%v); run go test ./mailmsg -run TestCorpusFiles -update", name, err)
		}
	}
}
