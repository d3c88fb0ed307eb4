package gongfu

import (
	"errors"
	"fmt"
)

// Error codes. Adapters translate them: the HTTP server into status codes, the
// command line into exit codes. They are few on purpose: a caller needs to know
// what to do next (fix the input, log in, ask for access, retry), not which line
// of which package failed.
const (
	ECONFLICT     = "conflict"     // the resource changed or is locked (HTTP 409)
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed (HTTP 403)
	EINTERNAL     = "internal"     // a fault of ours; the cause is logged, not shown (HTTP 500)
	EINVALID      = "invalid"      // the input is wrong and the message says how (HTTP 400/422)
	ENOTFOUND     = "not_found"    // no such resource, or not visible to the caller (HTTP 404)
	ETOOLARGE     = "too_large"    // the input exceeds a size limit (HTTP 413)
	ETOOMANY      = "too_many"     // throttled (HTTP 429)
	EUNAUTHORIZED = "unauthorized" // not logged in or bad credentials (HTTP 401)
)

// Error is the one error type of the domain. Message is shown to users in
// Chinese, MessageEN in English; Details lists individual problems (one per
// invalid field, cell or row) so a form or a spreadsheet import can show all of
// them at once instead of the first.
type Error struct {
	Code      string
	Message   string
	MessageEN string
	Details   []string
}

// Error implements the error interface with both languages, Chinese first.
func (e *Error) Error() string {
	s := e.Message
	if e.MessageEN != "" {
		s += " (" + e.MessageEN + ")"
	}
	return s
}

// Errorf returns an *Error with code and a message in Chinese and English.
// The same args are formatted into both messages.
func Errorf(code, zh, en string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(zh, args...), MessageEN: fmt.Sprintf(en, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Errors that are not
// *Error are internal: their text may hold paths or SQL, so a generic message
// stands in for them.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Error()
	}
	return Detail("内部错误")
}

// ErrorDetails returns the per-item problems of the first *Error in err's chain.
func ErrorDetails(err error) []string {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}

// Failf returns an *Error with code and a message from the catalogue:
// format is the Chinese message, as users of the default language read it,
// and its English is messagesEN[format]; args are formatted into both. It
// is how every fixed message of the domain and its adapters is made;
// Errorf remains for messages composed at run time from parts that are
// themselves bilingual.
func Failf(code, format string, args ...any) *Error {
	return Errorf(code, format, English(format), args...)
}

// Detailf formats a detail from the catalogue, "中文 (English)": format
// is the Chinese, its English is messagesEN[format], and args are
// formatted into both. Details (Error.Details, a report's flags, an
// extraction's warnings, a password rule) travel as one string and are
// shown split by language at its last bracket (localized in package http,
// split in package reporting), so they keep that composed form; the
// English comes from the same catalogue as Failf's, where the catalogue
// test checks it.
func Detailf(format string, args ...any) string {
	return fmt.Sprintf(format, args...) + " (" + fmt.Sprintf(English(format), args...) + ")"
}

// Texts returns a catalogued message in both languages, for callers that
// compose the two halves into something of their own (a spreadsheet
// problem prefixed with its cell): format is the Chinese, its English is
// messagesEN[format], args are formatted into both.
func Texts(format string, args ...any) (zh, en string) {
	return fmt.Sprintf(format, args...), fmt.Sprintf(English(format), args...)
}

// Detail is Detailf for a constant detail, without formatting: zh and
// its English are used as they are, so a % in either is literal.
func Detail(zh string) string {
	return zh + " (" + English(zh) + ")"
}

// English returns the English of a catalogued Chinese message, or the
// message itself when the catalogue lacks it (which the catalogue test
// rules out for every message in the code).
func English(zh string) string {
	if en, ok := messagesEN[zh]; ok {
		return en
	}
	return zh
}
