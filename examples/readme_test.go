package examples

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// TestREADMELibraryExample builds and runs the README's library example
// as written, pointed at the test Dovecot (address, password command and
// trusted CA substituted), and checks that it prints the decoded subject.
func TestREADMELibraryExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## The library\n")
	_, code, ok2 := strings.Cut(section, "```go\n")
	code, _, ok3 := strings.Cut(code, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("no Go block in the README's library section")
	}
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	for range 5 { // the example fetches 1:5
		srv.SaveMessage(t, u.Name, "INBOX", []byte("From: a@example.org\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?= aus =?ISO-8859-1?Q?K=F6ln?=\r\n\r\nhi\r\n"))
	}
	for _, sub := range [][2]string{
		{`"imap.example.org:993"`, `"` + srv.IMAPSAddr() + `"`},
		{`"me@example.org"`, `"` + u.Name + `"`},
		{`"pass show mail/work"`, `"printf %s ` + u.Password + `"`},
	} {
		if !strings.Contains(code, sub[0]) {
			t.Fatalf("the README example no longer has %s", sub[0])
		}
		code = strings.Replace(code, sub[0], sub[1], 1)
	}
	// The program is laid over a directory of this module that does not
	// exist on disk, so that it builds against this tree.
	tmp := t.TempDir()
	src := filepath.Join(tmp, "main.go")
	if err := os.WriteFile(src, []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	pkgDir := filepath.Join(wd, "internal", "readmeexample")
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(pkgDir, "main.go"): src}})
	ovFile := filepath.Join(tmp, "overlay.json")
	ca := filepath.Join(tmp, "ca.pem")
	if err := os.WriteFile(ovFile, overlay, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, srv.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goBin, "run", "-overlay", ovFile, "./internal/readmeexample")
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+ca) // the system roots, as the example uses them
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run the README example: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Grüße aus Köln") {
		t.Errorf("the README example printed %q, want the decoded subject", out)
	}
}
