package config

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Encode writes accounts as a configuration file that Parse reads back to
// the same accounts (every key written out, paths as they are). It is for
// programs that write a config, such as "imapdir demo". The password, when
// set, is written in clear: create the file with mode 0600.
func Encode(w io.Writer, accounts []Account) error {
	var b strings.Builder
	b.WriteString("# imapdir configuration (format: README.md, package internal/config).\n")
	for i := range accounts {
		encodeAccount(&b, &accounts[i])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func encodeAccount(b *strings.Builder, a *Account) {
	fmt.Fprintf(b, "\n[accounts.%s]\n", tomlKey(a.Name))
	str := func(k, v string) {
		if v != "" {
			fmt.Fprintf(b, "%s = %s\n", k, tomlString(v))
		}
	}
	num := func(k string, v int64) { fmt.Fprintf(b, "%s = %d\n", k, v) }
	str("host", a.Host)
	num("port", int64(a.Port))
	str("tls", string(a.TLS))
	str("tls_server_name", a.TLSServerName)
	str("ca_file", a.CAFile)
	if a.Fingerprint != nil {
		str("fingerprint", "sha256:"+strings.ReplaceAll(fmt.Sprintf("% X", a.Fingerprint), " ", ":"))
	}
	str("user", a.User)
	str("password", a.Password.Reveal())
	str("password_command", a.PasswordCommand)
	str("auth", a.Auth)
	str("token_command", a.TokenCommand)
	str("maildir", a.Maildir)
	str("layout", a.Layout)
	fmt.Fprintf(b, "folders = %s\n", tomlList(a.Folders))
	fmt.Fprintf(b, "sync = %s\n", tomlList(syncWords(a.Sync)))
	str("expunge", string(a.Expunge))
	str("create", string(a.Create))
	str("remove", string(a.Remove))
	num("max_size", a.MaxSize)
	if a.MaxAge > 0 {
		str("max_age", a.MaxAge.String())
	}
	if !a.StartDate.IsZero() {
		fmt.Fprintf(b, "start_date = %s\n", a.StartDate.Format(time.DateOnly))
	}
	num("delete_guard_percent", int64(a.DeleteGuardPercent))
	num("delete_guard_count", int64(a.DeleteGuardCount))
	num("delete_guard_account", int64(a.DeleteGuardAccount))
	num("connections", int64(a.Connections))
	str("timeout", a.Timeout.String())
	str("keywords", a.Keywords)
	str("labels", a.Labels)
	if len(a.GmailFolders) > 0 {
		fmt.Fprintf(b, "gmail_folders = %s\n", tomlList(a.GmailFolders))
	}
	fmt.Fprintf(b, "new_dir = %t\n", a.NewDir)
	encodeGmail(b, a.Gmail)
	encodeWatch(b, a)
}

// encodeWatch writes the watch keys that are set.
func encodeWatch(b *strings.Builder, a *Account) {
	if len(a.Watch) > 0 {
		fmt.Fprintf(b, "watch = %s\n", tomlList(a.Watch))
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"full_sync_interval", a.FullSyncInterval}, {"debounce", a.Debounce}, {"idle_restart", a.IdleRestart},
		{"poll_interval", a.PollInterval}, {"hook_timeout", a.HookTimeout}} {
		if d.v > 0 {
			fmt.Fprintf(b, "%s = %s\n", d.key, tomlString(d.v.String()))
		}
	}
	for _, c := range []struct{ key, v string }{{"post_sync_command", a.PostSyncCommand}, {"new_mail_command", a.NewMailCommand}} {
		if c.v != "" {
			fmt.Fprintf(b, "%s = %s\n", c.key, tomlString(c.v))
		}
	}
}

func encodeGmail(b *strings.Builder, g GmailMode) {
	switch g {
	case GmailOn:
		b.WriteString("gmail = true\n")
	case GmailOff:
		b.WriteString("gmail = false\n")
	case GmailAllMail, GmailFolders:
		fmt.Fprintf(b, "gmail = %q\n", string(g))
	default:
		b.WriteString("gmail = \"auto\"\n")
	}
}

// syncWords is the shortest word list parseSync reads back to ops.
func syncWords(ops SyncOps) []string {
	all := Changes{New: true, Flags: true, Delete: true}
	switch {
	case ops.Pull == all && ops.Push == all:
		return []string{"all"}
	case ops == SyncOps{}:
		return []string{"none"}
	}
	var words []string
	for _, d := range []struct {
		name string
		c    Changes
	}{{"pull", ops.Pull}, {"push", ops.Push}} {
		if d.c == all {
			words = append(words, d.name)
			continue
		}
		for _, k := range []struct {
			name string
			on   bool
		}{{"new", d.c.New}, {"flags", d.c.Flags}, {"delete", d.c.Delete}} {
			if k.on {
				words = append(words, d.name+"_"+k.name)
			}
		}
	}
	return words
}

// tomlString quotes s as a TOML basic string (TOML 1.0 §String): only
// backslash, quote and control characters are escaped.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tomlKey(k string) string {
	if isBare(k) {
		return k
	}
	return tomlString(k)
}

func tomlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = tomlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
