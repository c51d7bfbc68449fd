package imap

import (
	"strings"

	"github.com/imapdir/imapdir/mailmsg"
)

// Decoding of the header text that ENVELOPE and BODYSTRUCTURE carry as
// the message has it: RFC 2047 encoded words in the subject and display
// names, RFC 2231 parameter continuations and charsets (and the RFC 2047
// words mailers put in file names). The decoding is mailmsg's, the one
// the Maildir side uses too; the raw forms stay available.

// decodeText fills the decoded fields of e from the raw ones.
func (e *Envelope) decodeText() {
	e.RawSubject = e.Subject
	e.Subject = mailmsg.DecodeText(e.RawSubject)
	for _, list := range [][]Address{e.From, e.Sender, e.ReplyTo, e.To, e.Cc, e.Bcc} {
		for i := range list {
			list[i].RawName = list[i].Name
			list[i].Name = mailmsg.DecodeText(list[i].RawName)
		}
	}
}

// decodeText fills the decoded parameter maps of b from the raw ones.
func (b *BodyStructure) decodeText() {
	b.RawParams, b.Params = b.Params, decodeParams(b.Params)
	b.RawDispositionParams, b.DispositionParams = b.DispositionParams, decodeParams(b.DispositionParams)
}

// decodeParams joins RFC 2231 continuations ("name*0*", "name*1" ...)
// and decodes charset'language'%XX values and RFC 2047 words, keyed by
// the base name. Servers send the parameters as the message has them
// (Dovecot does), so this is the client's job.
func decodeParams(raw map[string]string) map[string]string {
	if raw == nil {
		return nil
	}
	// mailmsg.ParseParams reads a header value: rebuild one, quoting
	// every value, so that one parser handles both sides.
	var b strings.Builder
	b.WriteString("x")
	for k, v := range raw {
		b.WriteString("; ")
		b.WriteString(k)
		b.WriteString(`="`)
		for i := 0; i < len(v); i++ {
			if v[i] == '"' || v[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[i])
		}
		b.WriteByte('"')
	}
	_, params := mailmsg.ParseParams(b.String())
	return params
}

// Filename returns the part's file name, decoded: the "filename"
// parameter of Content-Disposition (RFC 2183 §2.3), else the "name"
// parameter of Content-Type (RFC 2045 §7, obsolete but common); "" when
// it has neither.
func (b *BodyStructure) Filename() string {
	if f := b.DispositionParams["filename"]; f != "" {
		return f
	}
	return b.Params["name"]
}
