package imap

import (
	"errors"
	"fmt"
	"strings"
)

// Response codes (RFC 9051 §7.1 and the extensions named). Codes not listed
// here are kept as sent in Response.Code and never cause an error.
const (
	CodeAlert                ResponseCode = "ALERT"
	CodeAlreadyExists        ResponseCode = "ALREADYEXISTS" // RFC 5530
	CodeAppendUID            ResponseCode = "APPENDUID"     // RFC 4315
	CodeAuthenticationFailed ResponseCode = "AUTHENTICATIONFAILED"
	CodeAuthorizationFailed  ResponseCode = "AUTHORIZATIONFAILED"
	CodeBadCharset           ResponseCode = "BADCHARSET"
	CodeCannot               ResponseCode = "CANNOT"
	CodeCapability           ResponseCode = "CAPABILITY"
	CodeClientBug            ResponseCode = "CLIENTBUG"
	CodeClosed               ResponseCode = "CLOSED" // RFC 7162 §3.2.11
	CodeContactAdmin         ResponseCode = "CONTACTADMIN"
	CodeCopyUID              ResponseCode = "COPYUID" // RFC 4315
	CodeCorruption           ResponseCode = "CORRUPTION"
	CodeExpired              ResponseCode = "EXPIRED"
	CodeExpungeIssued        ResponseCode = "EXPUNGEISSUED"
	CodeHasChildren          ResponseCode = "HASCHILDREN"   // RFC 9051
	CodeHighestModSeq        ResponseCode = "HIGHESTMODSEQ" // RFC 7162
	CodeInUse                ResponseCode = "INUSE"
	CodeLimit                ResponseCode = "LIMIT"
	CodeMailboxID            ResponseCode = "MAILBOXID" // RFC 8474
	CodeModified             ResponseCode = "MODIFIED"  // RFC 7162
	CodeNoModSeq             ResponseCode = "NOMODSEQ"  // RFC 7162
	CodeNonExistent          ResponseCode = "NONEXISTENT"
	CodeNoPerm               ResponseCode = "NOPERM"
	CodeOverQuota            ResponseCode = "OVERQUOTA"
	CodeParse                ResponseCode = "PARSE"
	CodePermanentFlags       ResponseCode = "PERMANENTFLAGS"
	CodePrivacyRequired      ResponseCode = "PRIVACYREQUIRED"
	CodeReadOnly             ResponseCode = "READ-ONLY"
	CodeReadWrite            ResponseCode = "READ-WRITE"
	CodeServerBug            ResponseCode = "SERVERBUG"
	CodeTryCreate            ResponseCode = "TRYCREATE"
	CodeUIDNext              ResponseCode = "UIDNEXT"
	CodeUIDNotSticky         ResponseCode = "UIDNOTSTICKY" // RFC 4315
	CodeUIDValidity          ResponseCode = "UIDVALIDITY"
	CodeUnavailable          ResponseCode = "UNAVAILABLE"
	CodeUnknownCTE           ResponseCode = "UNKNOWN-CTE"       // RFC 3516
	CodeUnseen               ResponseCode = "UNSEEN"            // RFC 3501 only
	CodeCompressionActive    ResponseCode = "COMPRESSIONACTIVE" // RFC 4978
	CodeUseAttr              ResponseCode = "USEATTR"           // RFC 6154
	CodeNotSaved             ResponseCode = "NOTSAVED"          // RFC 5182
	CodeReferral             ResponseCode = "REFERRAL"          // RFC 2221
)

// AppendUIDData is the APPENDUID response code (RFC 4315 §3): the UIDs the
// server gave appended messages (one per message; several with MULTIAPPEND).
type AppendUIDData struct {
	UIDValidity uint32
	UIDs        UIDSet
}

// CopyUIDData is the COPYUID response code (RFC 4315 §3, also sent by MOVE,
// RFC 6851 §4.3): Source[i] was copied to Dest[i], in set order.
type CopyUIDData struct {
	UIDValidity uint32
	Source      UIDSet
	Dest        UIDSet
}

// ParseAppendUID converts the arguments of an APPENDUID code.
func ParseAppendUID(args []Value) (AppendUIDData, error) {
	var d AppendUIDData
	if len(args) != 2 {
		return d, fmt.Errorf("imap: APPENDUID wants 2 arguments, got %d", len(args))
	}
	v, err := uint32Arg("APPENDUID uidvalidity", args[0])
	if err != nil {
		return d, err
	}
	d.UIDValidity = v
	d.UIDs, err = uidSetArg("APPENDUID uid-set", args[1])
	return d, err
}

// ParseCopyUID converts the arguments of a COPYUID code.
func ParseCopyUID(args []Value) (CopyUIDData, error) {
	var d CopyUIDData
	if len(args) != 3 {
		return d, fmt.Errorf("imap: COPYUID wants 3 arguments, got %d", len(args))
	}
	v, err := uint32Arg("COPYUID uidvalidity", args[0])
	if err != nil {
		return d, err
	}
	d.UIDValidity = v
	if d.Source, err = uidSetArg("COPYUID source set", args[1]); err != nil {
		return d, err
	}
	if d.Dest, err = uidSetArg("COPYUID destination set", args[2]); err != nil {
		return d, err
	}
	if d.Source.Len() != d.Dest.Len() {
		return d, fmt.Errorf("imap: COPYUID sets differ in size (%d and %d)", d.Source.Len(), d.Dest.Len())
	}
	return d, nil
}

// ParseModified converts the argument of a MODIFIED code (RFC 7162 §3.1.3):
// the messages a conditional STORE did not change. They are UIDs after
// UID STORE and sequence numbers after STORE; convert with ParseSeqSet(
// set.String()) in the latter case.
func ParseModified(args []Value) (UIDSet, error) {
	if len(args) != 1 {
		return UIDSet{}, fmt.Errorf("imap: MODIFIED wants 1 argument, got %d", len(args))
	}
	return uidSetArg("MODIFIED set", args[0])
}

// ParseCodeNumber converts the single numeric argument of codes such as
// UIDNEXT, UIDVALIDITY, UNSEEN and HIGHESTMODSEQ.
func ParseCodeNumber(code ResponseCode, args []Value) (uint64, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("imap: %s wants 1 argument, got %d", code, len(args))
	}
	n, ok := AsNumber(args[0])
	if !ok {
		return 0, fmt.Errorf("imap: %s argument %v is not a number", code, args[0])
	}
	return n, nil
}

func uint32Arg(what string, v Value) (uint32, error) {
	n, ok := AsNumber(v)
	if !ok || n > 0xffffffff {
		return 0, fmt.Errorf("imap: %s: %v is not a 32-bit number", what, v)
	}
	return uint32(n), nil
}

func uidSetArg(what string, v Value) (UIDSet, error) {
	s, ok := AsString(v)
	if !ok {
		return UIDSet{}, fmt.Errorf("imap: %s: %v is not a sequence set", what, v)
	}
	set, err := ParseUIDSet(s)
	if err != nil {
		return set, fmt.Errorf("imap: %s: %w", what, err)
	}
	return set, nil
}

func seqSetArg(what string, v Value) (SeqSet, error) {
	s, ok := AsString(v)
	if !ok {
		return SeqSet{}, fmt.Errorf("imap: %s: %v is not a sequence set", what, v)
	}
	set, err := ParseSeqSet(s)
	if err != nil {
		return set, fmt.Errorf("imap: %s: %w", what, err)
	}
	return set, nil
}

// ResponseCode is the name of a response code (RFC 9051 §7.1), upper-cased.
type ResponseCode string

// Error is a server's refusal: a tagged NO or BAD, or a BYE (RFC 9051 §7.1),
// with its response code (e.g. TRYCREATE, AUTHENTICATIONFAILED) and text.
type Error struct {
	Status   Status // StatusNO, StatusBAD or StatusBYE
	Code     ResponseCode
	CodeArgs []Value
	Text     string
}

// Error formats the refusal as "imap: NO [CODE args] text".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("imap: ")
	b.WriteString(string(e.Status))
	writeRespText(&b, e.Code, e.CodeArgs, e.Text)
	return b.String()
}

// HasCode reports whether err is or wraps an *Error with the given response
// code.
func HasCode(err error, code ResponseCode) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
