package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/maildirstore"
	"github.com/imapdir/imapdir/syncer"
)

// syncCmd runs one sync of a served user into a Maildir.
func syncCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ExitOnError)
	host := fs.String("host", "127.0.0.1", "server address")
	port := fs.Int("port", 993, "implicit-TLS IMAP port")
	ca := fs.String("ca", "", "PEM file of the CA to trust (required)")
	user := fs.String("user", "", "login name (required)")
	pass := fs.String("pass", password, "password")
	root := fs.String("maildir", "", "Maildir root (required; created if missing)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the sync to this file")
	memprofile := fs.String("memprofile", "", "write a heap profile (in-use, sampled every 64 KB) at the end of the sync")
	plain := fs.Bool("plain", false, "plaintext IMAP (-port is then the plaintext port; -ca is not needed)")
	compress := fs.Bool("compress", false, "turn on COMPRESS=DEFLATE (RFC 4978) on every connection")
	memLimit := fs.Int("memory-limit", 16, "soft Go heap limit in MiB, as imapdir's --memory-limit (0: none)")
	fs.Parse(args)
	if *memLimit > 0 {
		debug.SetMemoryLimit(int64(*memLimit) << 20)
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			if f, err := os.Create(*memprofile); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if (*ca == "" && !*plain) || *user == "" || *root == "" {
		return errors.New("sync: -ca (unless -plain), -user and -maildir are required")
	}
	if err := os.MkdirAll(*root, 0o700); err != nil {
		return err
	}
	start := time.Now()
	lock, err := statedb.AcquireLock(*root)
	if err != nil {
		return err
	}
	defer lock.Close()
	db, err := statedb.Open(ctx, statedb.DefaultPath(*root), statedb.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	far, err := imapstore.New(ctx, imapstore.Options{Dial: func(ctx context.Context) (*imapclient.Client, error) {
		copts := &imapclient.Options{CAFile: *ca,
			TLSConfig: &tls.Config{ServerName: "localhost", MinVersion: tls.VersionTLS12}}
		if *plain {
			copts = &imapclient.Options{InsecurePlaintext: true}
		}
		c, err := imapclient.Dial(ctx, addr, copts)
		if err != nil {
			return nil, err
		}
		if err := c.Login(ctx, *user, imapclient.SecretString(*pass)); err != nil {
			c.Close()
			return nil, err
		}
		if *compress {
			if err := c.Compress(ctx); err != nil {
				c.Close()
				return nil, err
			}
		}
		return c, nil
	}})
	if err != nil {
		return err
	}
	defer far.Close()
	near, err := maildirstore.New(maildirstore.Options{Root: *root, DB: db})
	if err != nil {
		return err
	}
	defer near.Close()
	eng, err := syncer.New(far, near, db, syncer.DefaultOptions())
	if err != nil {
		return err
	}
	res, err := eng.SyncAccount(ctx)
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		return err
	}
	var copied, changed, deleted int
	var bytes int64
	for _, m := range res.Mailboxes {
		copied += m.New[syncer.Far] + m.New[syncer.Near]
		changed += m.Changed[syncer.Far] + m.Changed[syncer.Near]
		deleted += m.Deleted[syncer.Far] + m.Deleted[syncer.Near]
		bytes += m.Bytes[syncer.Far] + m.Bytes[syncer.Near]
	}
	fmt.Printf("e2ebench sync: %d mailboxes, %d copied (%d MB), %d changed, %d deleted in %v\n",
		len(res.Mailboxes), copied, bytes>>20, changed, deleted, time.Since(start).Round(time.Millisecond))
	return nil
}
