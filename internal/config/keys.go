package config

import (
	"fmt"
	"io"
	"strings"
)

// KeyDoc documents one account key: what `imapdir help config` and the
// man page print. Every key the parser accepts has exactly one (a test
// holds the two tables together).
type KeyDoc struct {
	Key     string // as written in the file
	Example string // a value as written in TOML
	Default string // "" when the key is required or has no default
	Doc     string // one or two sentences
}

// Keys lists every account key, in the order a config file is read.
var Keys = []KeyDoc{
	{"host", `"imap.example.com"`, "", "The IMAP server's host name. Required."},
	{"port", `993`, "993 with implicit TLS, 143 otherwise", "The server's port."},
	{"tls", `"implicit"`, `"implicit"`, `How the connection is protected: "implicit" (TLS from the first byte, port 993), "starttls" (plain connection upgraded, required), or "plaintext-insecure" (no TLS at all; loopback and tests only).`},
	{"tunnel", `"ssh mail.example.com /usr/lib/dovecot/imap"`, "", "Reach the server through a shell command's stdin and stdout instead of host and port (no TLS: the command protects the connection). A server started this way greets already logged in (PREAUTH); otherwise user and a password are needed as usual."},
	{"tls_server_name", `"mail.example.com"`, "host", "The name the server's certificate must carry, when it differs from host."},
	{"ca_file", `"/path/ca.pem"`, "the system's CAs", "Also trust the CA certificates in this PEM file."},
	{"fingerprint", `"sha256:AB:CD:…"`, "", "Pin the server's certificate by its SHA-256 fingerprint instead of trusting a CA (a failed connection prints the value to paste)."},
	{"user", `"me@example.com"`, "", "The login name. Required."},
	{"password", `"…"`, "", "The password. Prefer password_command; a config file holding a password must be mode 0600."},
	{"password_command", `"pass show mail/work"`, "", "A shell command whose first line of output is the password, run at each connection."},
	{"token_command", `"oauth2l fetch …"`, "", "A shell command that prints an OAuth 2 access token (auth = xoauth2 or oauthbearer)."},
	{"auth", `"plain"`, "the best the server offers", `SASL mechanism: "login", "plain", "xoauth2" or "oauthbearer".`},
	{"maildir", `"~/Maildir/work"`, "", "The account's local Maildir root; ~ and $VARS are expanded. Required. The state database and the lock live in it."},
	{"layout", `"fs"`, `"fs"`, `How folders nest on disk: "fs" (Archive/2024 as nested directories) or "maildir++" (.Archive.2024) or "dots" (Archive.2024 and INBOX side by side, as OfflineIMAP writes them); "fs-mutf7", "maildir++-mutf7" and "dots-mutf7" keep folder names in the server's modified UTF-7 (Entw&APw-rfe), as mbsync and OfflineIMAP write them; "legacy-mutf7" is mbsync's "SubFolders Legacy" (Archive/.2024).`},
	{"folders", `["*", "!Junk"]`, `["*"]`, `Which mailboxes to sync: patterns with * (any), % (one level) and a leading ! to exclude; the last pattern that matches decides.`},
	{"keywords", `"dovecot"`, `"dovecot"`, `Where IMAP keywords live in the Maildir: "dovecot" (letters in file names, named in dovecot-keywords) or "none".`},
	{"new_dir", `true`, `true`, "Deliver messages without \\Seen into new/ (whatever their other flags) rather than cur/."},
	{"sync", `["pull", "flags"]`, `["all"]`, `What propagates: all, none, pull, push, new, flags, delete, or one kind one way (pull_new, push_flags, …); the union runs.`},
	{"expunge", `"both"`, `"both"`, `Where messages marked \Deleted are removed for good: both, far, near or none.`},
	{"create", `"both"`, `"both"`, "Where a mailbox missing on one side is created: both, far, near or none."},
	{"remove", `"none"`, `"none"`, "Where the deletion of an (empty) mailbox is propagated: both, far, near or none."},
	{"max_size", `"20MB"`, `"0" (no limit)`, "Messages larger than this are not copied (and are reported as skipped)."},
	{"max_age", `"90d"`, "", "Only copy messages newer than this."},
	{"start_date", `2024-01-01`, "", "Only copy messages from this date on (instead of max_age)."},
	{"delete_guard_percent", `25`, `25`, "Hold back the deletions of a run that would delete more than this share of a mailbox …"},
	{"delete_guard_count", `50`, `50`, "… and more than this many messages; --force carries them out."},
	{"delete_guard_account", `1000`, `1000`, "At most this many deletions per run across the account; past it every deletion is held until a run with --force. 0: no cap."},
	{"connections", `4`, `4`, "Parallel IMAP connections, 1..16 (Gmail allows 15 per account)."},
	{"mailbox", `{ "Archive" = { sync = "pull", max_age = "365d" } }`, "", `Settings of single mailboxes (usually written as [accounts.NAME.mailbox."Archive"] tables, by the mailbox's name as imapdir list shows it): sync, expunge, max_size, max_age, start_date, delete_guard_percent and delete_guard_count, over the account's. Command-line overrides (--pull, --no-expunge …) still apply to every mailbox.`},
	{"gmail", `"auto"`, `"auto"`, `Gmail's extensions: "auto" (used when the server offers X-GM-EXT-1), true or false.`},
	{"timeout", `60`, `60 (seconds)`, `How long the server may stay silent while imapdir waits (connecting, a command, a literal); past it that mailbox fails alone. Seconds or a duration ("2m"), 1s..1h.`},
	{"oauth2", `{ provider = "google", client_id = "…" }`, "", "OAuth 2 sign-in built in (usually written as an [accounts.NAME.oauth2] table): provider (google, microsoft) or auth_url/token_url/device_url, client_id, client_secret or client_secret_command, scopes, refresh_token_command, store_refresh_token_command. Run imapdir auth NAME once."},
	{"watch", `["Lists"]`, `[]`, "imapdir watch: mailboxes idled on besides INBOX when the server lacks NOTIFY."},
	{"full_sync_interval", `"30m"`, `"30m"`, "imapdir watch: a full sync this often, as a safety net (1m..24h)."},
	{"debounce", `"300ms"`, `"300ms"`, "imapdir watch: a mailbox is synced once no change has come for this long."},
	{"idle_restart", `"25m"`, `"25m" ("9m" on Gmail and Outlook)`, "imapdir watch: IDLE is re-issued this often."},
	{"poll_interval", `"5m"`, `"5m"`, "imapdir watch: how often the other mailboxes are checked with STATUS when the server lacks NOTIFY; also the liveness check."},
	{"post_sync_command", `"notmuch new"`, "", "imapdir watch: a shell command run after a sync that changed the Maildir."},
	{"new_mail_command", `"notify-send \"$IMAPDIR_FROM\" \"$IMAPDIR_SUBJECT\""`, "", "imapdir watch: a shell command run when new mail arrived (IMAPDIR_ACCOUNT, IMAPDIR_MAILBOX, IMAPDIR_COUNT, IMAPDIR_FROM, IMAPDIR_SUBJECT in its environment)."},
	{"hook_timeout", `"60s"`, `"60s"`, "imapdir watch: a hook running longer is killed."},
}

// WriteKeys writes the keys as `imapdir help config` shows them: each key
// with an example value, its default and what it does, wrapped to width.
func WriteKeys(w io.Writer, width int) error {
	var b strings.Builder
	for _, k := range Keys {
		fmt.Fprintf(&b, "%s = %s\n", k.Key, k.Example)
		doc := k.Doc
		if k.Default != "" {
			doc += " Default: " + k.Default + "."
		}
		for _, line := range wrap(doc, width-4) {
			b.WriteString("    " + line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap breaks s into lines of at most width runes at spaces.
func wrap(s string, width int) []string {
	var lines []string
	var cur []string
	n := 0
	for _, w := range strings.Fields(s) {
		l := len([]rune(w))
		if n > 0 && n+1+l > width {
			lines = append(lines, strings.Join(cur, " "))
			cur, n = nil, 0
		}
		if n > 0 {
			n++
		}
		cur = append(cur, w)
		n += l
	}
	if len(cur) > 0 {
		lines = append(lines, strings.Join(cur, " "))
	}
	return lines
}
