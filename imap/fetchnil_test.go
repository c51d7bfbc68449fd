package imap_test

import (
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

// TestFetchNilEmptyCase is the audit of every FETCH item decoder against
// the ABNF of RFC 9051 §9, RFC 7162 §7, RFC 8474 §7 and Gmail's
// X-GM-EXT-1 for NIL, empty and case variants: each row is a variant a
// server may send (allowed or a known server's bending), decoded without
// failing the FETCH, or (want "error") refused with the item named.
func TestFetchNilEmptyCase(t *testing.T) {
	tests := []struct {
		name, line string
		check      func(*imap.FetchData) bool
		wantErr    string // "" = must decode
	}{
		// RFC 8474 §5.2: THREADID NIL; Cyrus IMAP 3.6 sends THREADID (NIL).
		{"threadid NIL", `* 1 FETCH (UID 1 THREADID NIL)`, func(f *imap.FetchData) bool { return f.ThreadID == "" && f.UID == 1 }, ""},
		{"threadid (NIL) Cyrus", `* 1 FETCH (UID 1 THREADID (NIL))`, func(f *imap.FetchData) bool { return f.ThreadID == "" && f.UID == 1 }, ""},
		{"threadid lower nil", `* 1 FETCH (uid 1 threadid nil)`, func(f *imap.FetchData) bool { return f.ThreadID == "" && f.UID == 1 }, ""},
		{"threadid ()", `* 1 FETCH (UID 1 THREADID ())`, func(f *imap.FetchData) bool { return f.ThreadID == "" }, ""},
		{"emailid NIL", `* 1 FETCH (UID 1 EMAILID NIL)`, func(f *imap.FetchData) bool { return f.EmailID == "" && f.UID == 1 }, ""},
		{"emailid lower item", `* 1 FETCH (UID 1 emailid (M1))`, func(f *imap.FetchData) bool { return f.EmailID == "M1" }, ""},
		// flag-list is never NIL: NIL is taken as FLAGS absent (never as
		// "no flags", which would clear flags locally).
		{"flags NIL", `* 1 FETCH (UID 1 FLAGS NIL)`, func(f *imap.FetchData) bool { return !f.HasFlags && f.UID == 1 }, ""},
		{"flags ()", `* 1 FETCH (UID 1 FLAGS ())`, func(f *imap.FetchData) bool { return f.HasFlags && len(f.Flags) == 0 }, ""},
		{"flags lower", `* 1 FETCH (UID 1 FLAGS (\seen \FLAGGED $label1))`, func(f *imap.FetchData) bool {
			return len(f.Flags) == 3 && f.Flags[0] == imap.FlagSeen && f.Flags[1] == imap.FlagFlagged
		}, ""},
		// INTERNALDATE NIL: kept in Other, the rest of the FETCH stands.
		{"internaldate NIL", `* 1 FETCH (UID 1 INTERNALDATE NIL)`, func(f *imap.FetchData) bool { return f.InternalDate.IsZero() && f.UID == 1 }, ""},
		// BODY[...] nstring: NIL and "" are legal section values.
		{"body[] NIL", `* 1 FETCH (UID 1 BODY[] NIL)`, func(f *imap.FetchData) bool { return f.Section("BODY[]") != nil }, ""},
		{"body[header.fields] empty", `* 1 FETCH (UID 1 BODY[HEADER.FIELDS (MESSAGE-ID)] "")`, func(f *imap.FetchData) bool {
			return len(f.Sections) == 1
		}, ""},
		{"body lower", `* 1 FETCH (UID 1 body[] "x")`, func(f *imap.FetchData) bool { return f.Section("BODY[]") != nil }, ""},
		// ENVELOPE: nstring fields and NIL address lists (RFC 9051 §9 env-*).
		{"envelope all NIL", `* 1 FETCH (UID 1 ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))`, func(f *imap.FetchData) bool {
			return f.Envelope != nil && f.Envelope.MessageID == "" && f.Envelope.From == nil
		}, ""},
		{"envelope lower nil, empty strings", `* 1 FETCH (UID 1 ENVELOPE ("" "" nil nil nil nil nil nil "" "<a@b>"))`, func(f *imap.FetchData) bool {
			return f.Envelope != nil && f.Envelope.MessageID == "<a@b>"
		}, ""},
		// MODSEQ: lower-case item name.
		{"modseq lower", `* 1 FETCH (UID 1 modseq (7))`, func(f *imap.FetchData) bool { return f.ModSeq == 7 }, ""},
		// X-GM-LABELS NIL or (): no labels; X-GM-MSGID NIL: no id.
		{"x-gm-labels NIL", `* 1 FETCH (UID 1 X-GM-LABELS NIL)`, func(f *imap.FetchData) bool { return len(f.GmailLabels) == 0 }, ""},
		{"x-gm-labels ()", `* 1 FETCH (UID 1 X-GM-LABELS ())`, func(f *imap.FetchData) bool { return f.HasGmailLabels && len(f.GmailLabels) == 0 }, ""},
		{"x-gm-msgid NIL", `* 1 FETCH (UID 1 X-GM-MSGID NIL)`, func(f *imap.FetchData) bool { return f.GmailMsgID == 0 && f.UID == 1 }, ""},
		// BODYSTRUCTURE with NIL parameters and encoding.
		{"bodystructure NILs", `* 1 FETCH (UID 1 BODYSTRUCTURE ("TEXT" "PLAIN" NIL NIL NIL NIL 0 0))`, func(f *imap.FetchData) bool { return f.BodyStructure != nil }, ""},
		// No tolerance possible: the message could not be told apart.
		{"uid NIL", `* 1 FETCH (UID NIL)`, nil, "UID"},
		{"rfc822.size NIL", `* 1 FETCH (UID 1 RFC822.SIZE NIL)`, nil, "RFC822.SIZE"},
		{"uid above 2^32-1", `* 1 FETCH (UID 4294967296)`, nil, "UID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := imap.ParseFetch(one(t, tc.line))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error %v, want one naming %s", tc.line, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.line, err)
			}
			if !tc.check(f) {
				t.Errorf("%s: decoded as %+v", tc.line, f)
			}
		})
	}
}
