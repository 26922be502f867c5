package fhirpath

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokDelimited // `identifier` in backticks
	tokString
	tokNumber
	tokDate     // @2014-01-01, @2014-01-01T10:00:00Z
	tokTime     // @T10:00
	tokExternal // %name or %`name` or %'name'
	tokSpecial  // $this, $index, $total
	tokOp       // punctuation and symbolic operators
)

// token is one lexical token; pos is its byte offset in the expression, used
// in error messages so a caller can point at the mistake.
type token struct {
	kind tokKind
	text string
	pos  int
}

// SyntaxError is a malformed expression; Pos is the byte offset of the problem.
type SyntaxError struct {
	Expr string
	Pos  int
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("fhirpath: %s at position %d in %q", e.Msg, e.Pos, e.Expr)
}

// lex splits an expression into tokens.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	fail := func(pos int, format string, args ...any) ([]token, error) {
		return nil, &SyntaxError{Expr: src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return fail(i, "unterminated comment")
			}
			i += end + 4
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{tokIdent, src[i:j], i})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j+1 < len(src) && src[j] == '.' && isDigit(src[j+1]) {
				j += 2
				for j < len(src) && isDigit(src[j]) {
					j++
				}
			}
			toks = append(toks, token{tokNumber, src[i:j], i})
			i = j
		case c == '\'' || c == '`':
			s, n, err := unquote(src, i)
			if err != nil {
				return nil, err
			}
			kind := tokString
			if c == '`' {
				kind = tokDelimited
			}
			toks = append(toks, token{kind, s, i})
			i += n
		case c == '@':
			j := i + 1
			kind := tokDate
			if j < len(src) && src[j] == 'T' {
				kind = tokTime
			}
			for j < len(src) && isDateChar(src[j]) {
				if src[j] == '.' && (j+1 >= len(src) || !isDigit(src[j+1])) {
					break // a dot before a function call, not fractional seconds
				}
				j++
			}
			if j == i+1 {
				return fail(i, "expected a date or time after @")
			}
			toks = append(toks, token{kind, src[i+1 : j], i})
			i = j
		case c == '%':
			if i+1 < len(src) && (src[i+1] == '`' || src[i+1] == '\'') {
				s, n, err := unquote(src, i+1)
				if err != nil {
					return nil, err
				}
				toks = append(toks, token{tokExternal, s, i})
				i += 1 + n
				continue
			}
			j := i + 1
			for j < len(src) && (isIdentPart(src[j]) || src[j] == '-') {
				j++
			}
			if j == i+1 {
				return fail(i, "expected a name after %%")
			}
			toks = append(toks, token{tokExternal, src[i+1 : j], i})
			i = j
		case c == '$':
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			name := src[i:j]
			if name != "$this" && name != "$index" && name != "$total" {
				return fail(i, "unknown special variable %q", name)
			}
			toks = append(toks, token{tokSpecial, name, i})
			i = j
		default:
			op := ""
			for _, cand := range []string{"<=", ">=", "!=", "!~"} {
				if strings.HasPrefix(src[i:], cand) {
					op = cand
					break
				}
			}
			if op == "" && strings.ContainsRune(".,()[]{}+-*/&|<>=~", rune(c)) {
				op = src[i : i+1]
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return fail(i, "unexpected character %q", r)
			}
			toks = append(toks, token{tokOp, op, i})
			i += len(op)
		}
	}
	toks = append(toks, token{tokEOF, "", len(src)})
	return toks, nil
}

// unquote reads a '...' string or `...` identifier starting at src[start]
// and returns its unescaped text and the number of bytes consumed.
func unquote(src string, start int) (string, int, error) {
	q := src[start]
	var b strings.Builder
	i := start + 1
	for i < len(src) {
		c := src[i]
		if c == q {
			return b.String(), i + 1 - start, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(src) {
			break
		}
		e := src[i+1]
		i += 2
		switch e {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 > len(src) {
				return "", 0, &SyntaxError{Expr: src, Pos: i - 2, Msg: "short \\u escape"}
			}
			var r rune
			for _, h := range src[i : i+4] {
				d := hexVal(h)
				if d < 0 {
					return "", 0, &SyntaxError{Expr: src, Pos: i - 2, Msg: "bad \\u escape"}
				}
				r = r*16 + rune(d)
			}
			b.WriteRune(r)
			i += 4
		default: // \' \" \` \\ \/ and any other character stand for themselves
			b.WriteByte(e)
		}
	}
	return "", 0, &SyntaxError{Expr: src, Pos: start, Msg: "unterminated string"}
}

func hexVal(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= 'a' && r <= 'f':
		return int(r-'a') + 10
	case r >= 'A' && r <= 'F':
		return int(r-'A') + 10
	}
	return -1
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDateChar(c byte) bool {
	return isDigit(c) || c == '-' || c == ':' || c == 'T' || c == '.' || c == '+' || c == 'Z'
}
