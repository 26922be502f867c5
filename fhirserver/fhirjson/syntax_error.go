package fhirjson

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError says where and why a document is not acceptable JSON.
type SyntaxError struct {
	// Offset is the byte offset of the problem in the input as given
	// (a byte-order mark counts).
	Offset int
	// Line and Column are 1-based; Column counts characters, not bytes.
	Line, Column int
	// Path is where in the document the problem is, as member names and
	// array indexes: "name[0].given". Empty at the top level.
	Path string
	// Msg says what is wrong, e.g. `duplicate key "family"`.
	Msg string

	reason reason
	// rev holds path segments innermost first while the error unwinds.
	rev []string
}

// reason classifies errors for tests; the public face is Msg.
type reason uint8

const (
	reasonSyntax reason = iota
	reasonUTF8
	reasonSurrogate
	reasonDuplicate
	reasonDepth
	reasonElements
)

func (e *SyntaxError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid JSON at line %d, column %d", e.Line, e.Column)
	if e.Path != "" {
		fmt.Fprintf(&b, " (at %s)", e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap lets callers tell a body over a limit from a malformed one.
func (e *SyntaxError) Unwrap() error {
	if e.reason == reasonElements {
		return ErrTooManyElements
	}
	return nil
}

func (p *parser) errorf(r reason, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...), reason: r}
}

func (e *SyntaxError) addName(name string) { e.rev = append(e.rev, "."+name) }

func (e *SyntaxError) addIndex(i int) { e.rev = append(e.rev, "["+strconv.Itoa(i)+"]") }

// finish fills in the line, column and path once the error has unwound to
// the top; this work is only ever done for a failing document.
func (p *parser) finish(e *SyntaxError) *SyntaxError {
	var b strings.Builder
	for i := len(e.rev) - 1; i >= 0; i-- {
		b.WriteString(e.rev[i])
	}
	e.Path = strings.TrimPrefix(b.String(), ".")
	e.rev = nil
	if e.Offset > len(p.s) {
		e.Offset = len(p.s)
	}
	prefix := p.s[:e.Offset]
	e.Line = strings.Count(prefix, "\n") + 1
	lineStart := strings.LastIndexByte(prefix, '\n') + 1
	if lineStart == 0 {
		// An editor does not show the byte-order mark, so it is no column.
		prefix = strings.TrimPrefix(prefix, "\uFEFF")
	}
	e.Column = utf8.RuneCountInString(prefix[lineStart:]) + 1
	return e
}

// describe names the byte at the current position for an error message.
func (p *parser) describe() string {
	if p.pos >= len(p.s) {
		return "end of input"
	}
	c := p.s[p.pos]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02X", c)
}
