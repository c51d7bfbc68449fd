package testenv

import (
	"os"
	"testing"
)

func TestScratchCaps(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	for _, k := range []Kind{KindCyrus} {
		srv := Shared(t, k)
		u := srv.NewUser(t)
		var pw = u.Password
		ss, err := dialSession(t.Context(), srv.IMAPAddr(), u.Name, pw)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := ss.run("CAPABILITY")
		t.Logf("%s: %s", k, r[0].text)
		ss.appendOne("INBOX", "", []byte("Subject: a\r\n\r\nb\r\n"))
		r, _ = ss.run("SELECT INBOX")
		r2, _ := ss.run("FETCH 1 (EMAILID THREADID)")
		r = append(r, r2...)
		for _, x := range r {
			t.Logf("%s: %s", k, x.text)
		}
		ss.close()
	}
}
