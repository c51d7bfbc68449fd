package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/imapdir/imapdir/internal/oauth"
)

// signInTimeout bounds how long "auth" waits for the user to sign in.
const signInTimeout = 10 * time.Minute

const authLong = `Sign in to an account's OAuth 2 provider (Google, Microsoft or one named
by URLs in [accounts.NAME.oauth2]) and keep the refresh token, so that sync
and watch can obtain access tokens on their own from then on.

By default imapdir prints an address to open in a browser and waits for the
browser to come back to a port on 127.0.0.1 (authorization code with PKCE).
With --device it prints an address and a code to enter on any other device
instead (device-code flow), for machines without a browser.

The refresh token is kept in $XDG_STATE_HOME/imapdir/oauth2-NAME.json
(~/.local/state/imapdir when XDG_STATE_HOME is unset), readable by you only,
or handed to store_refresh_token_command; then imapdir logs in to the
server once to check that the sign-in works for IMAP. Tokens are never
printed.`

func (st *runState) authCommand() *cobra.Command {
	var device bool
	cmd := &cobra.Command{
		Use:   "auth ACCOUNT",
		Short: "Sign in with OAuth 2 and keep the refresh token",
		Long:  authLong,
		Args:  st.oneAccount,
		RunE: func(cmd *cobra.Command, args []string) error {
			return st.runAuth(cmd.Context(), args[0], device)
		},
	}
	cmd.Flags().BoolVar(&device, "device", false, "sign in on another device with a code (device-code flow)")
	return cmd
}

func (st *runState) runAuth(ctx context.Context, name string, device bool) error {
	cfg, err := st.loadConfig()
	if err != nil {
		return err
	}
	acct, err := st.account(cfg, name)
	if err != nil {
		return err
	}
	if acct.OAuth2 == nil {
		return usageErr(fmt.Errorf("%s: account %s has no [accounts.%s.oauth2] table (see README.md, Gmail)", cfg.Path, name, name))
	}
	conf, err := oauth.Config(ctx, acct.OAuth2)
	if err != nil {
		return err
	}
	st.addSecret(acct, conf.ClientSecret)
	store, err := oauth.NewStore(acct)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, signInTimeout)
	defer cancel()
	sign := oauth.Authorize
	if device {
		sign = oauth.Device
	}
	tok, err := sign(ctx, conf, st.stdout())
	if err != nil {
		return err
	}
	st.addSecret(acct, tok.AccessToken)
	st.addSecret(acct, tok.RefreshToken)
	if tok.RefreshToken == "" {
		return errors.New("the provider gave no refresh token: check that the client asks for offline access (Microsoft: the offline_access scope)")
	}
	if err := store.Save(ctx, tok.RefreshToken); err != nil {
		return fmt.Errorf("keeping the refresh token: %w", err)
	}
	where := "handed to store_refresh_token_command"
	if fs, ok := store.(oauth.FileStore); ok {
		where = "kept in " + fs.Path
	}
	fmt.Fprintf(st.stdout(), "Signed in to account %s; the refresh token is %s.\n", name, where)
	// Check the whole way at once: a wrong user name, or IMAP turned off
	// for the account, shows now rather than at the first sync.
	sess, err := st.app.Backends.Connect(ctx, acct, st.logs(), nil)
	if err != nil {
		return fmt.Errorf("signed in, but the IMAP login failed: %w", err)
	}
	defer sess.Close()
	_, err = fmt.Fprintf(st.stdout(), "Logged in to %s as %s.\n", acct.Host, acct.User)
	return err
}
