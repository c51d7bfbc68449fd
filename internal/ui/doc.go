// Package ui shows a sync's progress and results; it owns the terminal.
//
// The engine's observer (adapted in cmd/imapdir) calls a Reporter from any
// number of mailbox goroutines; every Reporter is safe for concurrent use and
// writes only to the io.Writers given in Options. New picks one of three
// forms:
//
//   - bars (Out is a terminal): one progress bar per mailbox being synced plus
//     a total, with messages and bytes, rate and ETA (vbauerster/mpb); lines
//     (per-mailbox results, warnings, errors, summaries) scroll above them;
//   - plain (Out is not a terminal): one line per finished mailbox, and a
//     progress line at most every Options.Interval (5 s) while work goes on;
//     warnings and errors go to Err;
//   - JSON (Options.Mode == ModeJSON): one JSON object per line on Out, below.
//
// Quiet (-q) keeps only errors and the final one-line summary (bars and
// plain; JSON output is for programs and is never quietened).
// ProgressLine returns a one-line snapshot at any time (for SIGUSR1).
//
// Under DryRun the wording says what "would" happen.
//
// # JSON events
//
// Every line is an object whose "event" field names its kind; field names
// are stable (new fields may be added, none removed or renamed). Counters
// are integers, sizes bytes.
//
//	{"event":"mailbox_start","account":A,"mailbox":M,"messages":N,"bytes":B}
//	    work planned for mailbox M: N messages, B bytes to transfer
//	{"event":"progress","account":A,"mailbox":M,"messages_done":n,"bytes_done":b,"messages":N,"bytes":B}
//	    at most once per Options.Interval (1 s) per mailbox, and not at all
//	    for a mailbox that finishes sooner
//	{"event":"mailbox_done","account":A,"mailbox":M,"dry_run":bool,
//	 "pull":{"new":n,"changed":n,"deleted":n,"moved":n},"push":{…},
//	 "conflicts":n,"skipped":n,"held":n,"errors":n,"error":"…"}
//	    pull is far→near (server to Maildir), push near→far; "error" is
//	    present only when the mailbox failed or was held back by a safety
//	    rule ("refused":true, not counted as failed)
//	{"event":"note","account":A,"mailbox":M,"message":"…"}
//	    with -v (Options.Verbose): mailbox events (created, renamed …)
//	{"event":"action","account":A,"mailbox":M,"dry_run":bool,"verb":V,"side":S,
//	 "uid":n,"new_uid":n,"message_id":"…","subject":"…","add":"…","remove":"…","dest":"…"}
//	    with -vv (a dry run: -v), one per message: V is pull, push, flag,
//	    delete or move, S the side changed (far, near); empty fields left out
//	{"event":"warning","account":A,"mailbox":M,"message":"…"}
//	{"event":"error","account":A,"mailbox":M,"message":"…"}
//	    "mailbox" (and "account") are left out when the problem is not tied to one
//	{"event":"summary","account":A,"dry_run":bool,"mailboxes":n,"failed":n,
//	 "pull":{…},"push":{…},"conflicts":n,"skipped":n,"held":n,"errors":n}
//	    one per account, when it is done
//	{"event":"done","dry_run":bool,"accounts":n,"mailboxes":n,"failed":n,
//	 "failed_accounts":n,"changes":n,"bytes":b,"elapsed_ms":ms}
//	    the last line, from Close
package ui
