package oauth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// ErrSignInNeeded is wrapped by the error Source returns when there is no
// refresh token or the provider no longer accepts it (revoked, expired,
// password changed): only a new sign-in helps.
var ErrSignInNeeded = errors.New("sign-in needed")

// expiryMargin: an access token this close to its expiry is refreshed
// before use, so that it does not expire between the check and the login.
const expiryMargin = 2 * time.Minute

// Source hands out access tokens for one account, refreshing them as
// needed. It is safe for concurrent use by all of an account's
// connections.
type Source struct {
	Account string // for messages
	Conf    *oauth2.Config
	Store   Store
	// Reveal, when set, is told every token obtained (access and
	// refresh), so that output can be scrubbed of it.
	Reveal func(secret string)
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu  sync.Mutex
	tok *oauth2.Token
}

// Token returns a valid access token, refreshing it first when it is
// missing or expires within a couple of minutes.
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.AccessToken != "" && (s.tok.Expiry.IsZero() || s.now().Add(expiryMargin).Before(s.tok.Expiry)) {
		return s.tok.AccessToken, nil
	}
	if err := s.refresh(ctx); err != nil {
		return "", err
	}
	return s.tok.AccessToken, nil
}

// Invalidate drops the current access token (the server refused it), so
// that the next Token refreshes.
func (s *Source) Invalidate() {
	s.mu.Lock()
	s.tok = nil
	s.mu.Unlock()
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// refresh trades the stored refresh token for a new access token (RFC
// 6749 §6), keeping a rotated refresh token.
func (s *Source) refresh(ctx context.Context) error {
	rt, err := s.Store.Load(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return s.signIn("no OAuth 2 sign-in is stored yet", ErrSignInNeeded)
	}
	if err != nil {
		return err
	}
	tok, err := s.Conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		return s.endpointError(err)
	}
	if tok.ExpiresIn > 0 { // by our clock, so that Now governs
		tok.Expiry = s.now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	s.reveal(tok.AccessToken)
	if tok.RefreshToken != "" && tok.RefreshToken != rt {
		s.reveal(tok.RefreshToken)
		if err := s.Store.Save(ctx, tok.RefreshToken); err != nil {
			return fmt.Errorf("account %s: keeping the new refresh token: %w", s.Account, err)
		}
	}
	s.tok = tok
	return nil
}

func (s *Source) reveal(secret string) {
	if s.Reveal != nil && secret != "" {
		s.Reveal(secret)
	}
}

// endpointError reduces a token endpoint failure to its OAuth error code
// and description (RFC 6749 §5.2): the raw response is never shown. A
// refused grant means the user must sign in again.
func (s *Source) endpointError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("account %s: refreshing the OAuth 2 access token: %w", s.Account, redact(err))
	}
	if re.ErrorCode == "invalid_grant" || re.ErrorCode == "unauthorized_client" {
		return s.signIn("the OAuth 2 provider no longer accepts the stored sign-in ("+re.ErrorCode+")", ErrSignInNeeded)
	}
	return fmt.Errorf("account %s: refreshing the OAuth 2 access token: %s", s.Account, describe(re))
}

func (s *Source) signIn(why string, err error) error {
	return &SignInError{Account: s.Account, Why: why, err: err}
}

// SignInError says that the user must run "imapdir auth ACCOUNT"; its
// message is one line that says so.
type SignInError struct {
	Account, Why string
	err          error
}

func (e *SignInError) Error() string {
	return fmt.Sprintf("%s; run `imapdir auth %s` to sign in again", e.Why, e.Account)
}

// Unwrap returns ErrSignInNeeded.
func (e *SignInError) Unwrap() error { return e.err }

// describe is "code: description" of an endpoint error, or its HTTP
// status when it gave no code.
func describe(re *oauth2.RetrieveError) string {
	switch {
	case re.ErrorCode != "" && re.ErrorDescription != "":
		return re.ErrorCode + ": " + re.ErrorDescription
	case re.ErrorCode != "":
		return re.ErrorCode
	case re.Response != nil:
		return "HTTP " + re.Response.Status
	}
	return "refused"
}

// redact keeps an error's chain but not a RetrieveError's body.
func redact(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return errors.New(describe(re))
	}
	return err
}
