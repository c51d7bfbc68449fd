// Package imapwire is the IMAP grammar codec (RFC 9051 §9): a streaming
// response Decoder and a command Encoder over buffered I/O.
//
// # API note for the client (imapclient)
//
// Reading: one reader goroutine owns a Decoder.
//
//	dec := imapwire.NewDecoder(bufio.NewReader(conn), imapwire.DecoderOptions{
//		Literal: func(info imapwire.LiteralInfo, r io.Reader) (imap.Value, error) {
//			// info.Num = message number, info.Item = "BODY[]", info.Size,
//			// info.Binary (literal8), info.Body (a message body item).
//			// Consume r (to disk, hash, io.Discard) before returning.
//			n, err := io.Copy(dst, r)
//			return imap.Streamed{Size: n, Ref: dstName}, err
//		},
//	})
//	for {
//		resp, err := dec.ReadResponse() // *imap.Response
//		// *LiteralError: callback failed; resp is complete, stream usable.
//		// io.EOF: clean end. Anything else is sticky: drop the connection.
//	}
//
// Every FETCH body item (BODY[...], BINARY[...], RFC822*) goes to the
// LiteralFunc when one is set; other literals above StreamThreshold too;
// smaller ones are buffered as imap.Str. Without a LiteralFunc body
// literals are buffered up to MaxBodyBuffer. Non-body literals above
// MaxLiteral are refused without being read. MaxResponse (64 MiB) bounds
// what one response holds in memory (lines, buffered literals, 32 bytes per
// value), MaxLine one line, MaxDepth list nesting. SetLiteralFunc may change
// the callback between responses; Reset swaps the reader (STARTTLS,
// COMPRESS).
//
// imap.Response: Tag ("*", "+", or the command tag), Status (OK/NO/BAD/BYE/
// PREAUTH, or "" for data), Code/CodeArgs/Text, Fields []imap.Value (e.g.
// [Number 12, Atom FETCH, List{...}]). resp.Name() is "FETCH", "EXISTS",
// "OK"...; resp.Num() the message number; resp.Args() the data after the
// name; resp.Err() an *imap.Error for NO/BAD/BYE. For "+", Text is the rest
// of the line (base64 during AUTHENTICATE).
//
// Writing: one Encoder, used by one goroutine at a time.
//
//	enc := imapwire.NewEncoder(bufio.NewWriter(conn), imapwire.EncoderOptions{
//		LiteralPlus: caps.Has(imap.CapLiteralPlus),
//		LiteralMinus: caps.Has(imap.CapLiteralMinus) || rev2,
//		UTF8: utf8AcceptEnabled || rev2,
//	})
//	err := enc.WriteCommand("a1", []imap.Value{
//		imap.Atom("UID"), imap.Atom("FETCH"), uidSet,
//		imap.List{imap.Atom("UID"), imap.Atom("FLAGS"), imap.Raw("BODY.PEEK[]")},
//	}, waitForPlus) // waitForPlus: func() error, blocks until "+" is read
//	enc.WriteLine("DONE") // IDLE end, SASL responses
//
// Builders (package imap): Atom, Num/Number, Str (quoted or literal), AStr
// (atom when possible: user names), Mailbox (mUTF-7 or UTF-8 per options),
// List{...}, NIL, Raw (verbatim, e.g. BODY.PEEK[HEADER]), Flag, UID, SeqNum,
// UIDSet, SeqSet, Literal(size, r), Literal8(size, r). Commands with CR, LF
// or NUL outside a literal are refused (ErrUnsafe) before any byte is sent.
//
// # Server quirks tolerated by the decoder
//
// Each is tested in imap/quirks_test.go with the line the server sent.
//
//   - missing resp-text: "* BYE" with no SP (iCloud), "A6 OK" (ppops.net),
//     "* OK [HIGHESTMODSEQ 13637]" (Gmail; RFC 7162's own examples, erratum
//     5055), and "+" with no text;
//   - a "[" that opens no valid code ("* NO [TRYCREATE", "* NO [FOO(BAR)]")
//     is text, as Mark Crispin ruled on the imap-protocol list (2007);
//   - a space before ")" ("* 11487 FETCH (UID 19436 )", imap.qq.com) and a
//     trailing space before CRLF ("* SEARCH 1 2 " from Yahoo, "* SEARCH "
//     from GreenMail, "* STATUS INBOX (MESSAGES 0) " behind Exchange);
//   - runs of spaces where one is required;
//   - lower-case status, response and item names ("* 1 fetch (uid 5)");
//   - adjacent lists without SP, which the grammar itself has in
//     body-type-mpart, address lists and NAMESPACE;
//   - bare LF as line end;
//   - NIL where a list is expected (imap.AsList accepts it);
//   - "*", "%", "]" and 8-bit bytes inside atoms;
//   - unknown untagged responses whose arguments do not parse are kept as
//     one imap.Raw instead of failing the connection;
//   - response-code arguments that are not values (free text, REFERRAL
//     URLs) are kept as one imap.Raw.
//
// In package imap: ESEARCH "(MODSEQ n)" in parentheses (a server answering
// MailKit, MailKit issue 323) and day-of-month without padding in
// date-time.
package imapwire
