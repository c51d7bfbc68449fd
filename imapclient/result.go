package imapclient

import (
	"github.com/imapdir/imapdir/imap"
)

// Fetches returns the FETCH responses of the result in typed form
// (responses that do not parse are skipped; read them from Untagged).
func (r *Result) Fetches() []*imap.FetchData {
	var out []*imap.FetchData
	for _, resp := range r.Untagged {
		if resp.Name() == "FETCH" {
			if f, err := imap.ParseFetch(resp); err == nil {
				out = append(out, f)
			}
		}
	}
	return out
}

// Typed converts each untagged response into typed data where package imap
// has a parser: *imap.FetchData, *imap.ListData, *imap.StatusData,
// *imap.SearchData, imap.VanishedData, imap.CapSet, []imap.Cap (ENABLED),
// *imap.NamespaceData, map[string]string (ID), and for EXISTS, RECENT and
// EXPUNGE an Event; other responses (and ones that do not parse) are
// returned as the *imap.Response itself. utf8 says whether mailbox names
// are UTF-8 on the wire: IMAP4rev2 or UTF8=ACCEPT enabled (see
// Client.Enabled); otherwise they are decoded from modified UTF-7.
func (r *Result) Typed(utf8 bool) []any {
	out := make([]any, 0, len(r.Untagged))
	for _, resp := range r.Untagged {
		out = append(out, TypedData(resp, utf8))
	}
	return out
}

// TypedData converts one untagged response as Result.Typed does.
func TypedData(resp *imap.Response, utf8 bool) any {
	var v any
	var err error
	switch resp.Name() {
	case "FETCH":
		v, err = imap.ParseFetch(resp)
	case "LIST", "LSUB":
		v, err = imap.ParseList(resp, utf8)
	case "STATUS":
		v, err = imap.ParseStatus(resp, utf8)
	case "SEARCH", "ESEARCH":
		v, err = imap.ParseSearch(resp, false)
	case "VANISHED":
		v, err = imap.ParseVanished(resp)
	case "CAPABILITY":
		v, err = imap.ParseCapability(resp)
	case "ENABLED":
		v, err = imap.ParseEnabled(resp)
	case "NAMESPACE":
		v, err = imap.ParseNamespace(resp, utf8)
	case "ID":
		v, err = imap.ParseID(resp)
	case "EXISTS", "RECENT", "EXPUNGE":
		v = eventOf(resp)
	default:
		return resp
	}
	if err != nil {
		return resp
	}
	return v
}
