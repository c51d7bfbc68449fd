package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
)

// mutateCmd changes a served user's INBOX over IMAP (plaintext loopback),
// the same way for every user it is run on: the scenarios' server-side
// changes.
func mutateCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("mutate", flag.ExitOnError)
	port := fs.Int("port", 143, "plaintext IMAP port on 127.0.0.1")
	user := fs.String("user", "", "login name (required)")
	flagsPer := fs.Int("flags-per-mille", 0, "toggle \\Flagged on this many messages per 1000")
	expungePer := fs.Int("expunge-per-mille", 0, "expunge this many messages per 1000")
	newN := fs.Int("new", 0, "append this many new messages of about 2 KB")
	round := fs.Int("round", 0, "which messages (varies the choice between runs)")
	fs.Parse(args)
	if *user == "" {
		return errors.New("mutate: -user is required")
	}
	c, err := imapclient.Dial(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)), &imapclient.Options{InsecurePlaintext: true})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(ctx, *user, imapclient.SecretString(password)); err != nil {
		return err
	}
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		return err
	}
	sd, err := c.UIDSearch(ctx, imap.Atom("ALL"))
	if err != nil {
		return err
	}
	uids := slices.Collect(sd.UIDs.All())
	if err := toggleFlagged(ctx, c, pick(uids, *flagsPer, *round)); err != nil {
		return err
	}
	if gone := pick(uids, *expungePer, *round+500); len(gone) > 0 {
		set := imap.UIDSetOf(gone...)
		if _, err := c.UIDStore(ctx, set, imapclient.StoreAdd, []imap.Flag{`\Deleted`}, nil); err != nil {
			return err
		}
		if _, err := c.UIDExpunge(ctx, set); err != nil {
			return err
		}
	}
	if err := appendNew(ctx, c, *user, *newN, *round); err != nil {
		return err
	}
	return c.Logout(ctx)
}

// pick returns perMille of every 1000 uids, starting at an offset.
func pick(uids []imap.UID, perMille, offset int) []imap.UID {
	if perMille <= 0 {
		return nil
	}
	step := 1000 / perMille
	var out []imap.UID
	for i := offset % step; i < len(uids); i += step {
		out = append(out, uids[i])
	}
	return out
}

// toggleFlagged adds \Flagged to uids that lack it and removes it from
// the others: a flag change on each.
func toggleFlagged(ctx context.Context, c *imapclient.Client, uids []imap.UID) error {
	if len(uids) == 0 {
		return nil
	}
	set := imap.UIDSetOf(uids...)
	flagged, err := c.UIDSearch(ctx, imap.Atom("UID"), set, imap.Atom("FLAGGED"))
	if err != nil {
		return err
	}
	var add []imap.UID
	for _, u := range uids {
		if !flagged.UIDs.Contains(u) {
			add = append(add, u)
		}
	}
	if len(add) > 0 {
		if _, err := c.UIDStore(ctx, imap.UIDSetOf(add...), imapclient.StoreAdd, []imap.Flag{`\Flagged`}, nil); err != nil {
			return err
		}
	}
	if flagged.UIDs.Len() > 0 {
		if _, err := c.UIDStore(ctx, flagged.UIDs, imapclient.StoreRemove, []imap.Flag{`\Flagged`}, nil); err != nil {
			return err
		}
	}
	return nil
}

// appendNew appends n new messages.
func appendNew(ctx context.Context, c *imapclient.Client, user string, n, round int) error {
	rnd := rand.New(rand.NewPCG(uint64(round), 24))
	var msgs []imapclient.AppendMessage
	for i := range n {
		lf := message(rnd, user, 2_000_000+round*10_000+i, 1500)
		crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
		msgs = append(msgs, imapclient.AppendMessage{Size: int64(len(crlf)), Body: bytes.NewReader(crlf), Date: seedDate})
	}
	_, err := c.AppendMulti(ctx, "INBOX", msgs)
	return err
}

// touchCmd changes a Maildir the way a mail reader would: toggles the F
// (flagged) info letter on some messages of INBOX/cur and deletes others.
func touchCmd(args []string) error {
	fs := flag.NewFlagSet("touch", flag.ExitOnError)
	dir := fs.String("dir", "", "the Maildir folder (with cur/) (required)")
	flagsPer := fs.Int("flags-per-mille", 10, "toggle F on this many messages per 1000")
	del := fs.Int("delete", 10, "delete this many messages")
	round := fs.Int("round", 0, "which messages (varies the choice between runs)")
	fs.Parse(args)
	if *dir == "" {
		return errors.New("touch: -dir is required")
	}
	cur := filepath.Join(*dir, "cur")
	ents, err := os.ReadDir(cur)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	step := max(1, 1000/max(1, *flagsPer))
	for i := *round % step; i < len(names) && *flagsPer > 0; i += step {
		if err := os.Rename(filepath.Join(cur, names[i]), filepath.Join(cur, toggleF(names[i]))); err != nil {
			return err
		}
	}
	for k := 0; k < *del && len(names) > 0; k++ {
		i := (*round*7919 + k*104729 + 1) % len(names)
		if i%step == *round%step {
			i = (i + 1) % len(names) // not one just renamed
		}
		if err := os.Remove(filepath.Join(cur, names[i])); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// toggleF adds or removes F in a Maildir name's ":2," info, keeping the
// letters in ASCII order.
func toggleF(name string) string {
	base, info, ok := strings.Cut(name, ":2,")
	if !ok {
		return name + ":2,F"
	}
	if strings.Contains(info, "F") {
		return base + ":2," + strings.Replace(info, "F", "", 1)
	}
	letters := []byte(info + "F")
	slices.Sort(letters)
	return base + ":2," + string(letters)
}
