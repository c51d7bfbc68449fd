package imapclient

import (
	"context"
	"errors"
	"io"
	"sync/atomic"

	"github.com/imapdir/imapdir/imap"
)

// The typed commands of Client, on a Session. Reads whose answer does not
// depend on the connection (Noop, Capability, Namespace, Status, List,
// UIDFetch, UIDSearch) are run again on the next connection when the
// connection fails under them, up to sessionRetries times. Everything
// else (commands that change something, and those that speak in message
// sequence numbers, which a new connection may number differently) fails
// with the *ConnError, which IsRetryable reports true for: the caller
// decides, knowing whether running it twice is harmless.

// sessionRetries bounds how often a read is run again after connection
// failures (each failure is followed by a reconnect).
const sessionRetries = 3

// call runs f on the session's connection; when retry says so, a
// connection failure (not an end of ctx) has f run again on the next
// connection.
func call[T any](ctx context.Context, s *Session, retry func() bool, f func(*Client) (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		var out T
		err := s.Do(ctx, func(c *Client) error {
			var err error
			out, err = f(c)
			return err
		})
		var ce *ConnError
		if err == nil || attempt >= sessionRetries || ctx.Err() != nil || !errors.As(err, &ce) || !retry() {
			return out, err
		}
	}
}

func always() bool { return true }
func never() bool  { return false }

// Noop sends NOOP (retried).
func (s *Session) Noop(ctx context.Context) error {
	_, err := call(ctx, s, always, func(c *Client) (struct{}, error) { return struct{}{}, c.Noop(ctx) })
	return err
}

// Capability reads the capabilities again (retried).
func (s *Session) Capability(ctx context.Context) (imap.CapSet, error) {
	return call(ctx, s, always, func(c *Client) (imap.CapSet, error) { return c.Capability(ctx) })
}

// Namespace is Client.Namespace (retried).
func (s *Session) Namespace(ctx context.Context) (*imap.NamespaceData, error) {
	return call(ctx, s, always, func(c *Client) (*imap.NamespaceData, error) { return c.Namespace(ctx) })
}

// Status is Client.Status (retried).
func (s *Session) Status(ctx context.Context, mailbox string, items ...string) (*imap.StatusData, error) {
	return call(ctx, s, always, func(c *Client) (*imap.StatusData, error) { return c.Status(ctx, mailbox, items...) })
}

// List is Client.List (retried).
func (s *Session) List(ctx context.Context, ref, pattern string, opts *ListOptions) (*ListResult, error) {
	return call(ctx, s, always, func(c *Client) (*ListResult, error) { return c.List(ctx, ref, pattern, opts) })
}

// UIDSearch is Client.UIDSearch (retried).
func (s *Session) UIDSearch(ctx context.Context, criteria ...imap.Value) (*imap.SearchData, error) {
	return call(ctx, s, always, func(c *Client) (*imap.SearchData, error) { return c.UIDSearch(ctx, criteria...) })
}

// UIDFetch is Client.UIDFetch, retried unless opts' Body or OnMessage
// callback was already called: a second run would hand it the same
// messages again, so then the *ConnError is returned.
func (s *Session) UIDFetch(ctx context.Context, set imap.UIDSet, items []imap.Value, opts *FetchOptions) (*FetchResult, error) {
	var delivered atomic.Bool
	o := FetchOptions{}
	if opts != nil {
		o = *opts
	}
	if body := o.Body; body != nil {
		o.Body = func(info BodyInfo, r io.Reader) (any, error) { delivered.Store(true); return body(info, r) }
	}
	if on := o.OnMessage; on != nil {
		o.OnMessage = func(m *imap.FetchData) error { delivered.Store(true); return on(m) }
	}
	return call(ctx, s, func() bool { return !delivered.Load() }, func(c *Client) (*FetchResult, error) {
		return c.UIDFetch(ctx, set, items, &o)
	})
}

// Fetch is Client.Fetch (not retried: sequence numbers belong to a
// connection).
func (s *Session) Fetch(ctx context.Context, set imap.SeqSet, items []imap.Value, opts *FetchOptions) (*FetchResult, error) {
	return call(ctx, s, never, func(c *Client) (*FetchResult, error) { return c.Fetch(ctx, set, items, opts) })
}

// Search is Client.Search (not retried: sequence numbers belong to a
// connection).
func (s *Session) Search(ctx context.Context, criteria ...imap.Value) (*imap.SearchData, error) {
	return call(ctx, s, never, func(c *Client) (*imap.SearchData, error) { return c.Search(ctx, criteria...) })
}

// Store is Client.Store (not retried).
func (s *Session) Store(ctx context.Context, set imap.SeqSet, op StoreOp, flags []imap.Flag, opts *StoreOptions) (*StoreResult, error) {
	return call(ctx, s, never, func(c *Client) (*StoreResult, error) { return c.Store(ctx, set, op, flags, opts) })
}

// UIDStore is Client.UIDStore (not retried).
func (s *Session) UIDStore(ctx context.Context, set imap.UIDSet, op StoreOp, flags []imap.Flag, opts *StoreOptions) (*StoreResult, error) {
	return call(ctx, s, never, func(c *Client) (*StoreResult, error) { return c.UIDStore(ctx, set, op, flags, opts) })
}

// Append is Client.Append (not retried: the message may have been stored).
func (s *Session) Append(ctx context.Context, mailbox string, msg AppendMessage) (imap.AppendUIDData, error) {
	return call(ctx, s, never, func(c *Client) (imap.AppendUIDData, error) { return c.Append(ctx, mailbox, msg) })
}

// AppendMulti is Client.AppendMulti (not retried).
func (s *Session) AppendMulti(ctx context.Context, mailbox string, msgs []AppendMessage) (imap.AppendUIDData, error) {
	return call(ctx, s, never, func(c *Client) (imap.AppendUIDData, error) { return c.AppendMulti(ctx, mailbox, msgs) })
}

// Copy is Client.Copy (not retried).
func (s *Session) Copy(ctx context.Context, set imap.SeqSet, dest string) (*imap.CopyUIDData, error) {
	return call(ctx, s, never, func(c *Client) (*imap.CopyUIDData, error) { return c.Copy(ctx, set, dest) })
}

// UIDCopy is Client.UIDCopy (not retried).
func (s *Session) UIDCopy(ctx context.Context, set imap.UIDSet, dest string) (*imap.CopyUIDData, error) {
	return call(ctx, s, never, func(c *Client) (*imap.CopyUIDData, error) { return c.UIDCopy(ctx, set, dest) })
}

// Move is Client.Move (not retried).
func (s *Session) Move(ctx context.Context, set imap.SeqSet, dest string) (*imap.CopyUIDData, error) {
	return call(ctx, s, never, func(c *Client) (*imap.CopyUIDData, error) { return c.Move(ctx, set, dest) })
}

// UIDMove is Client.UIDMove (not retried).
func (s *Session) UIDMove(ctx context.Context, set imap.UIDSet, dest string) (*imap.CopyUIDData, error) {
	return call(ctx, s, never, func(c *Client) (*imap.CopyUIDData, error) { return c.UIDMove(ctx, set, dest) })
}

// Expunge is Client.Expunge (not retried).
func (s *Session) Expunge(ctx context.Context) (*ExpungeResult, error) {
	return call(ctx, s, never, func(c *Client) (*ExpungeResult, error) { return c.Expunge(ctx) })
}

// UIDExpunge is Client.UIDExpunge (not retried).
func (s *Session) UIDExpunge(ctx context.Context, set imap.UIDSet) (*ExpungeResult, error) {
	return call(ctx, s, never, func(c *Client) (*ExpungeResult, error) { return c.UIDExpunge(ctx, set) })
}

// Create is Client.Create (not retried).
func (s *Session) Create(ctx context.Context, name string, specialUse ...imap.MailboxAttr) error {
	_, err := call(ctx, s, never, func(c *Client) (struct{}, error) { return struct{}{}, c.Create(ctx, name, specialUse...) })
	return err
}

// Delete is Client.Delete (not retried).
func (s *Session) Delete(ctx context.Context, name string) error {
	_, err := call(ctx, s, never, func(c *Client) (struct{}, error) { return struct{}{}, c.Delete(ctx, name) })
	return err
}

// Rename is Client.Rename (not retried).
func (s *Session) Rename(ctx context.Context, from, to string) error {
	_, err := call(ctx, s, never, func(c *Client) (struct{}, error) { return struct{}{}, c.Rename(ctx, from, to) })
	return err
}

// Subscribe is Client.Subscribe (not retried).
func (s *Session) Subscribe(ctx context.Context, name string) error {
	_, err := call(ctx, s, never, func(c *Client) (struct{}, error) { return struct{}{}, c.Subscribe(ctx, name) })
	return err
}

// Unselect is Client.Unselect; the session no longer re-selects a
// mailbox after a reconnect.
func (s *Session) Unselect(ctx context.Context) error {
	s.forgetMailbox()
	_, err := call(ctx, s, never, func(c *Client) (struct{}, error) { return struct{}{}, c.Unselect(ctx) })
	return err
}

// CloseMailbox is Client.CloseMailbox (CLOSE, which expunges; not
// retried); the session no longer re-selects a mailbox after a
// reconnect.
func (s *Session) CloseMailbox(ctx context.Context) error {
	s.forgetMailbox()
	_, err := call(ctx, s, never, func(c *Client) (struct{}, error) { return struct{}{}, c.CloseMailbox(ctx) })
	return err
}

func (s *Session) forgetMailbox() {
	s.mu.Lock()
	s.mailbox, s.selOpts = "", SelectOptions{}
	s.mu.Unlock()
}
