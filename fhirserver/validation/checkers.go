package validation

// Hand-written checkers for the primitives every resource is full of. Each
// one is tied to the exact regular expression text the definitions give
// (see fastCheckers), and checkers_test.go proves it accepts exactly what
// that expression, compiled by Go's regexp as defs does, accepts — by a
// table and by fuzzing. A definition whose regex is not in the table falls
// back to the compiled expression, so a changed definition can never be
// checked by a stale hand-written rule.

// Spec regexes as they appear in the R4 and STU3 definitions.
const (
	reString      = `[ \r\n\t\S]+`
	reCodeR4      = `[^\s]+(\s[^\s]+)*`
	reCodeSTU3    = `[^\s]+([\s]?[^\s]+)*`
	reID          = `[A-Za-z0-9\-\.]{1,64}`
	reURI         = `\S*`
	reBoolean     = `true|false`
	reDecimalR4   = `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
	reDecimalSTU3 = `-?([0]|([1-9][0-9]*))(\.[0-9]+)?`
	reInteger     = `-?([0]|([1-9][0-9]*))`
	rePositiveInt = `[1-9][0-9]*`
	reUnsignedInt = `[0]|([1-9][0-9]*)`
	reDateR4      = `([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?`
	reDateSTU3    = `-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[0-9]|[1-2][0-9]|3[0-1]))?)?`
	reDateTimeR4  = `([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?`
	reDateTimeS3  = `-?([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?`
	reBase64      = `(\s*([0-9a-zA-Z\+/=]){4}\s*)+`
	reInstant     = `([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))`
)

// fastCheckers maps a regex text to the checker proven equivalent to it.
// It is a constant table: built once, never written.
var fastCheckers = map[string]func(string) bool{
	reString:      isString,
	reCodeR4:      isCode,
	reCodeSTU3:    isCode,
	reID:          isID,
	reURI:         isURI,
	reBoolean:     func(s string) bool { return s == "true" || s == "false" },
	reDecimalR4:   func(s string) bool { return isDecimal(s, true) },
	reDecimalSTU3: func(s string) bool { return isDecimal(s, false) },
	reInteger:     isIntegerText,
	rePositiveInt: isPositiveIntText,
	reUnsignedInt: isUnsignedIntText,
	reDateR4:      func(s string) bool { return isDateTime(s, dateR4) },
	reDateSTU3:    func(s string) bool { return isDateTime(s, dateSTU3) },
	reDateTimeR4:  func(s string) bool { return isDateTime(s, dateTimeR4) },
	reDateTimeS3:  func(s string) bool { return isDateTime(s, dateTimeSTU3) },
	reInstant:     func(s string) bool { return isDateTime(s, instant) },
	reBase64:      isBase64,
}

// isRegexSpace is Go regexp's \s: [\t\n\f\r ]. (\v is not in it.)
func isRegexSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// isString: one or more characters that are a space, CR, LF, tab or
// non-space; of Go's \s only the form feed is left out.
func isString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '\f' {
			return false
		}
	}
	return true
}

// isCode: non-empty, no leading or trailing whitespace, and never two
// whitespace characters in a row.
func isCode(s string) bool {
	if s == "" || isRegexSpace(s[0]) || isRegexSpace(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if isRegexSpace(s[i]) && isRegexSpace(s[i-1]) {
			return false
		}
	}
	return true
}

func isID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func isURI(s string) bool {
	for i := 0; i < len(s); i++ {
		if isRegexSpace(s[i]) {
			return false
		}
	}
	return true
}

// digits returns the length of the run of ASCII digits at the start of s.
func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// isDecimal checks the JSON number grammar; STU3's decimal has no exponent.
func isDecimal(s string, exponent bool) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	n := digits(s[i:])
	if n == 0 || (n > 1 && s[i] == '0') {
		return false
	}
	i += n
	if i < len(s) && s[i] == '.' {
		i++
		n = digits(s[i:])
		if n == 0 {
			return false
		}
		i += n
	}
	if exponent && i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n = digits(s[i:])
		if n == 0 {
			return false
		}
		i += n
	}
	return i == len(s)
}

func isUnsignedIntText(s string) bool {
	return s != "" && digits(s) == len(s) && (s[0] != '0' || len(s) == 1)
}

func isPositiveIntText(s string) bool {
	return s != "" && s[0] != '0' && digits(s) == len(s)
}

func isIntegerText(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	return isUnsignedIntText(s)
}

// dateShape says which of the date/time regexes isDateTime follows.
type dateShape struct {
	negative bool // a leading '-' is allowed (STU3)
	anyYear  bool // 0000 is allowed (STU3 date)
	dayZero  bool // day 00 is allowed (STU3 date)
	time     bool // the time part may follow the day
	full     bool // every part down to the time zone is required (instant)
}

var (
	dateR4       = dateShape{}
	dateSTU3     = dateShape{negative: true, anyYear: true, dayZero: true}
	dateTimeR4   = dateShape{time: true}
	dateTimeSTU3 = dateShape{negative: true, time: true}
	instant      = dateShape{time: true, full: true}
)

// twoDigits reads two ASCII digits at s[i:] as a number, or -1.
func twoDigits(s string, i int) int {
	if i+2 > len(s) || s[i] < '0' || s[i] > '9' || s[i+1] < '0' || s[i+1] > '9' {
		return -1
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0')
}

// isDateTime checks YYYY(-MM(-DD(Thh:mm:ss(.f+)?(Z|±hh:mm))?)?)? with the
// ranges the spec regexes encode (no calendar check: the regexes allow
// 2019-02-31, and so does this).
func isDateTime(s string, d dateShape) bool {
	i := 0
	if d.negative && s != "" && s[0] == '-' {
		i = 1
	}
	if i+4 > len(s) || digits(s[i:i+4]) != 4 {
		return false
	}
	if !d.anyYear && s[i:i+4] == "0000" {
		return false
	}
	i += 4
	if i == len(s) {
		return !d.full
	}
	if s[i] != '-' {
		return false
	}
	if m := twoDigits(s, i+1); m < 1 || m > 12 {
		return false
	}
	i += 3
	if i == len(s) {
		return !d.full
	}
	if s[i] != '-' {
		return false
	}
	day := twoDigits(s, i+1)
	if day < 0 || day > 31 || (day == 0 && !d.dayZero) {
		return false
	}
	i += 3
	if i == len(s) {
		return !d.full
	}
	if !d.time || s[i] != 'T' {
		return false
	}
	i++
	if h := twoDigits(s, i); h < 0 || h > 23 || i+2 >= len(s) || s[i+2] != ':' {
		return false
	}
	if m := twoDigits(s, i+3); m < 0 || m > 59 || i+5 >= len(s) || s[i+5] != ':' {
		return false
	}
	if sec := twoDigits(s, i+6); sec < 0 || sec > 60 {
		return false
	}
	i += 8
	if i < len(s) && s[i] == '.' {
		n := digits(s[i+1:])
		if n == 0 {
			return false
		}
		i += 1 + n
	}
	return isZone(s[i:])
}

// isZone checks Z or ±hh:mm with hh 00–13 (any minutes) or exactly 14:00.
func isZone(s string) bool {
	if s == "Z" {
		return true
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return false
	}
	h, m := twoDigits(s, 1), twoDigits(s, 4)
	if h < 0 || m < 0 || m > 59 {
		return false
	}
	return h <= 13 || (h == 14 && m == 0)
}

// isBase64: groups of four base64 characters, with whitespace allowed only
// between groups. So every run of base64 characters between whitespace has
// a length that is a multiple of four, and there is at least one.
// Attachments make these values large, which is why it is hand-written.
func isBase64(s string) bool {
	run, total := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=':
			run++
			total++
		case isRegexSpace(c):
			if run%4 != 0 {
				return false
			}
			run = 0
		default:
			return false
		}
	}
	return run%4 == 0 && total > 0
}
