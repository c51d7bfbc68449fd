package cli

import (
	"encoding/json"
	"io"

	"github.com/imapdir/imapdir/imap"
)

// responseJSON is the --json form of one server response (raw).
type responseJSON struct {
	Tag      string `json:"tag"`
	Status   string `json:"status,omitempty"`
	Code     string `json:"code,omitempty"`
	CodeArgs []any  `json:"code_args,omitempty"`
	Text     string `json:"text,omitempty"`
	Fields   []any  `json:"fields,omitempty"`
}

// writeResponseJSON writes r as one line of JSON: the tag ("*", "+" or the
// command's), status, response code and text for status responses, and
// the data as a tree (see jsonValue).
func writeResponseJSON(w io.Writer, r *imap.Response) error {
	b, err := json.Marshal(responseJSON{
		Tag: r.Tag, Status: string(r.Status), Code: string(r.Code), CodeArgs: jsonValues(r.CodeArgs),
		Text: r.Text, Fields: jsonValues(r.Fields),
	})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func jsonValues(vs []imap.Value) []any {
	if vs == nil {
		return nil
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = jsonValue(v)
	}
	return out
}

// jsonValue maps a response value to JSON: a number to a number, NIL to
// null, a list to an array, an atom, string or literal to a string (bytes
// that are not UTF-8 become U+FFFD), and a literal the decoder streamed
// elsewhere to {"literal_size": N}.
func jsonValue(v imap.Value) any {
	switch v := v.(type) {
	case imap.Number:
		return uint64(v)
	case imap.Nil:
		return nil
	case imap.List:
		return jsonValues(v)
	case imap.Atom:
		return string(v)
	case imap.Str:
		return string(v)
	case imap.AStr:
		return string(v)
	case imap.Mailbox:
		return string(v)
	case imap.Raw:
		return string(v)
	case imap.Streamed:
		return map[string]int64{"literal_size": v.Size}
	}
	return v.String()
}
