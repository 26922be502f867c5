package fhirjson

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// strSpecial marks the bytes the string scanner must stop at: the closing
// quote, a backslash, control characters (which JSON requires escaped) and
// the start of a multi-byte UTF-8 sequence (which must be checked).
var strSpecial = func() (t [256]bool) {
	for i := 0; i < 0x20; i++ {
		t[i] = true
	}
	t['"'], t['\\'] = true, true
	for i := 0x80; i < 0x100; i++ {
		t[i] = true
	}
	return t
}()

// str reads a string starting at the opening quote. A string without
// escapes is a substring of the document; only escaped strings allocate.
func (p *parser) str() (string, *SyntaxError) {
	s := p.s
	start := p.pos + 1
	i := start
	for {
		for i < len(s) && !strSpecial[s[i]] {
			i++
		}
		if i >= len(s) {
			p.pos = i
			return "", p.errorf(reasonSyntax, "unexpected end of input in a string")
		}
		c := s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return s[start:i], nil
		case c == '\\':
			return p.strEscaped(start, i)
		case c < 0x20:
			p.pos = i
			return "", p.errorf(reasonSyntax, "control character U+%04X in a string must be escaped", c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				p.pos = i
				return "", p.errorf(reasonUTF8, "invalid UTF-8 in a string")
			}
			i += size
		}
	}
}

// strEscaped continues str from the first backslash at i. It finds the
// closing quote first so the decoded string (never longer than its raw
// form) is built in one exactly sized allocation.
func (p *parser) strEscaped(start, i int) (string, *SyntaxError) {
	s := p.s
	// The decoded string is never longer than its raw form, so appending
	// within this capacity never reallocates.
	b := p.textBuf(closingQuote(s, start, i) - start)
	b = append(b, s[start:i]...)
	for {
		if i >= len(s) {
			p.pos = i
			return "", p.errorf(reasonSyntax, "unexpected end of input in a string")
		}
		c := s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return bytesString(b), nil
		case c == '\\':
			if i+1 >= len(s) {
				p.pos = i + 1
				return "", p.errorf(reasonSyntax, "unexpected end of input in a string")
			}
			e := s[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, n, err := p.unicodeEscape(i - 2)
				if err != nil {
					return "", err
				}
				i = n
				b = utf8.AppendRune(b, r)
			default:
				p.pos = i - 2
				return "", p.errorf(reasonSyntax, "invalid escape \\%c in a string", e)
			}
		case c < 0x20:
			p.pos = i
			return "", p.errorf(reasonSyntax, "control character U+%04X in a string must be escaped", c)
		case c < 0x80:
			// Copy the run of plain ASCII up to the next special byte.
			j := i + 1
			for j < len(s) && !strSpecial[s[j]] {
				j++
			}
			b = append(b, s[i:j]...)
			i = j
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				p.pos = i
				return "", p.errorf(reasonUTF8, "invalid UTF-8 in a string")
			}
			b = append(b, s[i:i+size]...)
			i += size
		}
	}
}

// closingQuote returns the offset of the quote that ends the string whose
// contents start at start (len(s) if there is none). i is the first
// backslash; a quote ends the string when an even number of backslashes
// precede it. IndexByte makes this a fast pre-pass over long narratives.
func closingQuote(s string, start, i int) int {
	end := i
	for {
		k := strings.IndexByte(s[end:], '"')
		if k < 0 {
			return len(s)
		}
		end += k
		n := 0
		for j := end - 1; j >= start && s[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return end
		}
		end++
	}
}

// unicodeEscape decodes \uXXXX at at (pointing at the backslash), joining a
// surrogate pair. A lone surrogate is rejected: it has no UTF-8 form, and
// FHIR strings are Unicode text. It returns the rune and the offset after it.
func (p *parser) unicodeEscape(at int) (rune, int, *SyntaxError) {
	r, ok := hex4(p.s, at+2)
	if !ok {
		p.pos = at
		return 0, 0, p.errorf(reasonSyntax, "invalid \\u escape in a string, expected four hex digits")
	}
	next := at + 6
	switch {
	case r >= 0xD800 && r < 0xDC00:
		if next+1 < len(p.s) && p.s[next] == '\\' && p.s[next+1] == 'u' {
			lo, ok := hex4(p.s, next+2)
			if ok && lo >= 0xDC00 && lo < 0xE000 {
				return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), next + 6, nil
			}
		}
		p.pos = at
		return 0, 0, p.errorf(reasonSurrogate, "unpaired surrogate \\u%04X in a string", r)
	case r >= 0xDC00 && r < 0xE000:
		p.pos = at
		return 0, 0, p.errorf(reasonSurrogate, "unpaired surrogate \\u%04X in a string", r)
	}
	return r, next, nil
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// textBuf returns an empty buffer of capacity n for a decoded string: in the
// arena's text when there is one, else freshly allocated.
func (p *parser) textBuf(n int) []byte {
	if p.arena != nil {
		return p.arena.takeText(n)
	}
	return make([]byte, 0, n)
}

// bytesString returns b as a string without copying; b is never written
// again.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
