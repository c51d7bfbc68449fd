package imap

import "testing"

func TestDecodeParams(t *testing.T) {
	rows := []struct {
		raw  map[string]string
		want map[string]string
	}{
		{nil, nil},
		{map[string]string{"charset": "utf-8"}, map[string]string{"charset": "utf-8"}},
		// RFC 2231 §3 continuations, §4 charset, as a server passing the
		// header on would send them.
		{map[string]string{"name*0*": "utf-8''%E2%82%AC%20", "name*1": "rate \"x\".txt"},
			map[string]string{"name": `€ rate "x".txt`}},
		{map[string]string{"filename*": "iso-8859-1'de'Gr%FC%DFe"}, map[string]string{"filename": "Grüße"}},
		{map[string]string{"name": "=?UTF-8?Q?Z=C3=BCrich?= \\ a"}, map[string]string{"name": "Zürich \\ a"}},
	}
	for _, row := range rows {
		got := decodeParams(row.raw)
		if len(got) != len(row.want) {
			t.Errorf("%v: got %v, want %v", row.raw, got, row.want)
			continue
		}
		for k, v := range row.want {
			if got[k] != v {
				t.Errorf("%v: %s = %q, want %q", row.raw, k, got[k], v)
			}
		}
	}
}

func TestEnvelopeDecoded(t *testing.T) {
	v := List{Str("Mon, 7 Feb 1994"), Str("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?_b?="),
		List{List{Str("=?UTF-8?B?SsO8cmdlbg==?="), NIL, Str("j"), Str("example.org")}},
		NIL, NIL, NIL, NIL, NIL, NIL, Str("<id@x>")}
	e, err := ParseEnvelope(v)
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "a b" || e.RawSubject != "=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?_b?=" {
		t.Errorf("subject %q raw %q", e.Subject, e.RawSubject)
	}
	if e.From[0].Name != "Jürgen" || e.From[0].RawName != "=?UTF-8?B?SsO8cmdlbg==?=" || e.From[0].String() != "Jürgen <j@example.org>" {
		t.Errorf("from %+v", e.From[0])
	}
}
