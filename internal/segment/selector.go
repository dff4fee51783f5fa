package segment

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// A selector condition takes a subset of CSS: compounds made of a tag
// (or "*"), "#id", ".class", "[attr]" and "[attr=value]", joined by the
// descendant (space) and child (">") combinators. It matches the element
// an event was captured on, judged from the event's element path.
//
// The element path (selector_tok) is a space-separated token list from
// the root to the element. A token that starts with a letter names an
// element's tag and starts that element; the tokens after it, up to the
// next tag, describe it: ".c" a class, "#i" its id, "=a" an attribute,
// "=a=v" an attribute with its value. Names and values are
// percent-encoded (%2D for "-"), so a space never occurs inside a token.
//
// A selector compiles to one RE2 expression over the whole path, bound
// as a parameter. Within one element the tokens may come in any order,
// so each compound tries every order of its parts; this is why a
// compound takes at most maxSelectorParts of them.

// Selector limits, which keep the expression small.
const (
	maxSelectorLen       = 1024
	maxSelectorCompounds = 8
	maxSelectorParts     = 4
)

// compound is one element test of a selector.
type compound struct {
	tag   string // "" matches any tag
	parts []part
	child bool // joined to the previous compound by ">"
}

// part is a class, id or attribute test, spelled as its token prefix.
type part struct {
	kind  byte // '.', '#' or '='
	name  string
	value *string // for [attr=value]
}

// parseSelector reads a selector; errors say what is wrong and where.
func parseSelector(s string) ([]compound, error) {
	if len(s) > maxSelectorLen {
		return nil, fmt.Errorf("selector longer than %d bytes", maxSelectorLen)
	}
	p := &selParser{s: s}
	var out []compound
	for {
		sawSpace := p.skipSpace()
		if p.done() {
			break
		}
		child := false
		if p.peek() == '>' {
			if len(out) == 0 {
				return nil, p.errorf("a selector cannot start with \">\"")
			}
			p.i++
			p.skipSpace()
			if p.done() {
				return nil, p.errorf("want a selector after \">\"")
			}
			child = true
		} else if len(out) > 0 && !sawSpace {
			return nil, p.errorf("unexpected %q", p.peek())
		}
		c, err := p.compound()
		if err != nil {
			return nil, err
		}
		c.child = child
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty selector")
	}
	if len(out) > maxSelectorCompounds {
		return nil, fmt.Errorf("at most %d compound selectors",
			maxSelectorCompounds)
	}
	return out, nil
}

// selParser walks a selector string.
type selParser struct {
	s string
	i int
}

func (p *selParser) done() bool { return p.i >= len(p.s) }
func (p *selParser) peek() byte { return p.s[p.i] }

func (p *selParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *selParser) skipSpace() bool {
	start := p.i
	for !p.done() && strings.IndexByte(" \t\n\r\f", p.peek()) >= 0 {
		p.i++
	}
	return p.i > start
}

// compound reads a tag and its parts, up to a space, ">" or the end.
func (p *selParser) compound() (compound, error) {
	var c compound
	if p.peek() == '*' {
		p.i++
	} else if isIdentByte(p.peek()) {
		c.tag = p.ident()
	} else if !strings.ContainsRune(".#[", rune(p.peek())) {
		return c, p.errorf("want a tag, *, #id, .class or [attr], not %q",
			p.peek())
	}
	for !p.done() {
		switch ch := p.peek(); ch {
		case '*':
			return c, p.errorf("\"*\" must start a compound")
		case '.', '#':
			p.i++
			name := p.ident()
			if name == "" {
				return c, p.errorf("want a name after %q", ch)
			}
			c.parts = appendPart(c.parts, part{kind: ch, name: name})
		case '[':
			pt, err := p.attribute()
			if err != nil {
				return c, err
			}
			c.parts = appendPart(c.parts, pt)
		case ' ', '\t', '\n', '\r', '\f', '>':
			return c, p.checkCompound(c)
		default:
			return c, p.errorf("unsupported %q; selectors take a tag, "+
				"#id, .class, [attr], [attr=value], spaces and \">\"", ch)
		}
	}
	return c, p.checkCompound(c)
}

func (p *selParser) checkCompound(c compound) error {
	if len(c.parts) > maxSelectorParts {
		return p.errorf("at most %d classes, ids and attributes on one "+
			"element", maxSelectorParts)
	}
	return nil
}

// attribute reads "[name]" or "[name=value]", the value bare or quoted.
func (p *selParser) attribute() (part, error) {
	p.i++ // '['
	name := p.ident()
	if name == "" {
		return part{}, p.errorf("want an attribute name")
	}
	pt := part{kind: '=', name: name}
	if p.done() {
		return pt, p.errorf("unclosed \"[\"")
	}
	if p.peek() == '=' {
		p.i++
		v, err := p.attrValue()
		if err != nil {
			return pt, err
		}
		pt.value = &v
	}
	if p.done() || p.peek() != ']' {
		return pt, p.errorf("want \"]\"; only [attr] and [attr=value] are " +
			"supported")
	}
	p.i++
	return pt, nil
}

func (p *selParser) attrValue() (string, error) {
	if p.done() {
		return "", p.errorf("want a value")
	}
	q := p.peek()
	if q != '"' && q != '\'' {
		v := p.ident()
		if v == "" {
			return "", p.errorf("want a value, bare or quoted")
		}
		return v, nil
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", p.errorf("unclosed quote")
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	if strings.ContainsRune(v, '\\') || !utf8.ValidString(v) {
		return "", p.errorf("escapes are not supported in values")
	}
	return v, nil
}

// ident reads a name: letters, digits, "_", "-" and non-ASCII.
func (p *selParser) ident() string {
	start := p.i
	for !p.done() && isIdentByte(p.peek()) {
		p.i++
	}
	return p.s[start:p.i]
}

func isIdentByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' ||
		b >= '0' && b <= '9' || b == '_' || b == '-' || b >= 0x80
}

// appendPart adds pt unless the compound already has it.
func appendPart(parts []part, pt part) []part {
	for _, q := range parts {
		if q.kind == pt.kind && q.name == pt.name &&
			(q.value == nil) == (pt.value == nil) &&
			(q.value == nil || *q.value == *pt.value) {
			return parts
		}
	}
	return append(parts, pt)
}

// The token shapes of an element path.
const (
	tagTok  = `[^ .#=][^ ]*`
	partTok = `[.#=][^ ]*`
	elemTok = tagTok + `(?: ` + partTok + `)*`
)

// selectorPattern compiles a parsed selector to an RE2 expression over
// the element path: the last compound is the element itself, and the
// others are its ancestors in order.
func selectorPattern(cs []compound) string {
	var b strings.Builder
	b.WriteString(`^(?:` + elemTok + ` )*`)
	for i, c := range cs {
		if i > 0 {
			if !cs[i].child {
				b.WriteString(`(?: ` + elemTok + `)*`)
			}
			b.WriteString(` `)
		}
		b.WriteString(compoundPattern(c))
	}
	b.WriteString(`$`)
	return b.String()
}

// compoundPattern matches one element's tokens: its tag, then its parts
// in any order among other tokens of the element.
func compoundPattern(c compound) string {
	var b strings.Builder
	if c.tag == "" {
		b.WriteString(tagTok)
	} else {
		b.WriteString(`(?i:` + encoded(c.tag) + `)`)
	}
	if len(c.parts) > 0 {
		var alts []string
		for _, perm := range permutations(len(c.parts)) {
			var a strings.Builder
			for _, k := range perm {
				a.WriteString(`(?: ` + partTok + `)* ` + partPattern(c.parts[k]))
			}
			alts = append(alts, a.String())
		}
		b.WriteString(`(?:` + strings.Join(alts, `|`) + `)`)
	}
	b.WriteString(`(?: ` + partTok + `)*`)
	return b.String()
}

// partPattern matches the token of one class, id or attribute test.
func partPattern(pt part) string {
	if pt.kind != '=' {
		return regexp.QuoteMeta(string(pt.kind)) + encoded(pt.name)
	}
	if pt.value == nil {
		return `=` + encoded(pt.name) + `(?:=[^ ]*)?`
	}
	return `=` + encoded(pt.name) + `=` + encoded(*pt.value)
}

// encoded matches s as written in a token: a letter, digit or "_" as
// itself, any other character either as itself or percent-encoded (hex
// digits of either case). A space only appears encoded.
func encoded(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && isWordByte(byte(r)) {
			b.WriteRune(r)
			continue
		}
		var pct strings.Builder
		var buf [utf8.UTFMax]byte
		for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
			pct.WriteString(`%` + hexClass(c>>4) + hexClass(c&0xf))
		}
		if r == ' ' {
			b.WriteString(`(?:` + pct.String() + `)`)
			continue
		}
		b.WriteString(`(?:` + regexp.QuoteMeta(string(r)) + `|` +
			pct.String() + `)`)
	}
	return b.String()
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' ||
		b >= '0' && b <= '9' || b == '_'
}

// hexClass matches one hex digit in either case.
func hexClass(n byte) string {
	const digits = "0123456789ABCDEF"
	d := digits[n]
	if d < 'A' {
		return string(d)
	}
	return "[" + string(d) + string(d+'a'-'A') + "]"
}

// permutations lists every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := make([]int, 0, n)
			q = append(q, p[:i]...)
			q = append(q, n-1)
			q = append(q, p[i:]...)
			out = append(out, q)
		}
	}
	return out
}
