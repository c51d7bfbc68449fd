// Package oauth obtains and refreshes OAuth 2 access tokens for IMAP's
// XOAUTH2 and OAUTHBEARER mechanisms, so that no external helper script
// is needed.
//
// Sign-in (Authorize) runs once per account, from "imapdir auth": the
// authorization-code flow with PKCE (RFC 7636) and a loopback redirect
// (RFC 8252 §7.3: the browser is sent back to http://127.0.0.1:PORT/ where
// this package listens), or the device-code flow (RFC 8628) for machines
// without a browser. The refresh token it yields is kept by a Store: a
// file readable by its owner only under $XDG_STATE_HOME/imapdir/, or a
// pair of user commands (a password manager).
//
// During a sync, Source hands out access tokens, refreshing them shortly
// before they expire and whenever the server refused one
// (AUTHENTICATIONFAILED), so a long run never stops on an expired token.
// A refresh token the provider no longer accepts gives ErrSignInNeeded,
// whose message tells the user to run "imapdir auth ACCOUNT".
//
// Tokens never appear in errors or logs: errors from the token endpoint
// are reduced to their OAuth error code and description.
package oauth
