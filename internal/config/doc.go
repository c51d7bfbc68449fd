// Package config reads imapdir's TOML configuration file and turns it into
// validated, defaulted accounts.
//
// # Location
//
// The file is $XDG_CONFIG_HOME/imapdir/config.toml, or
// ~/.config/imapdir/config.toml when XDG_CONFIG_HOME is unset; a path given
// on the command line (--config) overrides both (see DefaultPath, Load).
//
// # Format
//
// One table per account under "accounts"; an optional [defaults] table holds
// any account key and applies to every account (an account's own value wins).
//
//	[defaults]
//	connections = 4
//
//	[accounts.work]
//	host = "imap.example.com"
//	port = 993                         # default from tls: 993 implicit, 143 otherwise
//	tls = "implicit"                   # implicit | starttls | plaintext-insecure
//	tls_server_name = "mail.example.com" # optional; default: host
//	ca_file = "/path/ca.pem"           # optional extra CA bundle (PEM)
//	fingerprint = "sha256:AB:CD:..."   # optional pin: SHA-256 of the leaf certificate (DER)
//	user = "me@example.com"
//	password_command = "pass show mail/work"   # or: password = "..."
//	auth = "plain"                     # login | plain | xoauth2 | oauthbearer; default: best offered
//	token_command = "oauth2-helper"    # prints an OAuth2 access token (xoauth2, oauthbearer)
//	maildir = "~/Maildir/work"         # ~ and $VARS are expanded
//	layout = "fs"                      # fs | maildir++ | dots | fs-mutf7 | maildir++-mutf7 | dots-mutf7 | legacy-mutf7
//	folders = ["*", "!Junk"]           # include/exclude patterns, see Match
//	sync = ["all"]                     # what propagates, see below
//	expunge = "both"                   # both | far | near | none
//	create = "both"                    # create missing mailboxes: both | far | near | none
//	remove = "none"                    # propagate mailbox deletion: both | far | near | none
//	max_size = "20MB"                  # larger messages are skipped; 0 = no limit
//	max_age = "90d"                    # only messages newer than this (or start_date = 2024-01-01)
//	delete_guard_percent = 25          # hold back deletions above this share of a mailbox …
//	delete_guard_count = 50            # … when they also exceed this count (--force overrides)
//	delete_guard_account = 1000        # at most this many deletions per run across the account; 0 = no cap
//	connections = 4                    # parallel IMAP connections, 1..16
//	timeout = 60                       # seconds (or "2m") a command may wait with no data moving; 1s..1h
//	keywords = "dovecot"               # where Maildir keeps keywords: dovecot | none (x-keywords comes with Gmail support)
//	new_dir = true                     # deliver unseen messages into new/ (as mbsync does)
//	gmail = "auto"                     # Gmail extensions: "auto" (detect) | true | false
//	watch = ["Archive"]                # imapdir watch: mailboxes idled on besides INBOX when the server lacks NOTIFY
//	full_sync_interval = "30m"         # imapdir watch: a full sync this often (1m..24h)
//	debounce = "300ms"                 # imapdir watch: quiet time before a mailbox's sync
//	idle_restart = "25m"               # imapdir watch: IDLE re-issued (default 25m; 9m for Gmail and Outlook)
//	poll_interval = "5m"               # imapdir watch: STATUS check without NOTIFY; connection liveness check
//	post_sync_command = "notmuch new"  # imapdir watch: run after a sync that changed the Maildir
//	new_mail_command = "notify-send \"$IMAPDIR_FROM\" \"$IMAPDIR_SUBJECT\""  # imapdir watch: new mail arrived
//	hook_timeout = "60s"               # imapdir watch: a hook running longer is killed
//
//	[accounts.work.oauth2]             # OAuth 2 sign-in by imapdir itself (see "imapdir auth")
//	provider = "google"                # google | microsoft | custom (then auth_url, token_url)
//	auth_url = "https://…"             # overrides the provider's endpoints
//	token_url = "https://…"
//	device_url = "https://…"           # device authorization endpoint, for auth --device
//	client_id = "…"
//	client_secret_command = "…"        # or client_secret = "…" (never both; neither for a public client)
//	scopes = ["…"]                     # default: the provider's IMAP scope
//	refresh_token_command = "…"        # with store_refresh_token_command: keep the refresh
//	store_refresh_token_command = "…"  # token outside $XDG_STATE_HOME/imapdir/oauth2-NAME.json
//
// Required per account: host, user, maildir, and a credential: password or
// password_command (never both) for login/plain/default auth, token_command
// or an oauth2 table for xoauth2/oauthbearer (an oauth2 table implies
// auth = "xoauth2"). connections defaults to 4, or 8 when the server turns
// out to be Gmail (see Account.ConnectionsFor). password_command and token_command are not run
// here: the client runs them (through "sh -c") when it connects.
//
// # Directions: far, near, pull, push
//
// "far" is the IMAP server, "near" the local Maildir. "pull" propagates
// far→near, "push" near→far. The sync key is a list of switches; their union
// is what runs:
//
//	all          everything (default)
//	none         nothing (the account is listed but never synced)
//	pull, push   new messages, flag changes and deletions in one direction
//	new, flags, delete       that kind of change in both directions
//	pull_new, pull_flags, pull_delete, push_new, push_flags, push_delete
//	             one kind in one direction
//
// "delete" means propagating a message's removal (it is marked \Deleted on
// the other side); whether marked messages are then removed for good on a
// side is the expunge key's business.
//
// # Errors
//
// Every problem is reported as FILE:LINE: KEY: MESSAGE (see Error); all
// problems of a file are reported at once, joined by newlines. Unknown keys
// are errors, so that a typo does not silently fall back to a default.
// Secrets (password) never appear in errors nor in any formatting of a
// Config: see Secret.
package config
