package testenv

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestScratchServe(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	srv := sharedOther(t, Kind(os.Getenv("SCRATCH")))
	u := srv.NewUser(t)
	os.WriteFile("/tmp/scratch.addr", []byte(fmt.Sprintf("%s %s %s %s\n", srv.IMAPAddr(), u.Name, u.Password, srv.Dir())), 0o644)
	time.Sleep(20 * time.Minute)
}
