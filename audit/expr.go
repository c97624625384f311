package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadExpression is wrapped by every error about a Filter.Expr that does
// not parse; the wrapping error says where and why.
var ErrBadExpression = errors.New("audit: bad expression")

// ExprError is a Filter.Expr that does not parse. Message says where and
// why, about the expression only, so a console may show it as it is.
type ExprError struct{ Message string }

// Error is ErrBadExpression's text and the message.
func (e *ExprError) Error() string { return ErrBadExpression.Error() + ": " + e.Message }

// Unwrap returns ErrBadExpression.
func (e *ExprError) Unwrap() error { return ErrBadExpression }

// Expression syntax (Filter.Expr), evaluated with gjson over the stored
// event JSON (see Entry: "seq", "type", "outcome", "client_id",
// "details", …):
//
//	expr  = and { "||" and }
//	and   = cond { "&&" cond }
//	cond  = path op value | path | "!" path
//	op    = "==" | "!=" | "<" | "<=" | ">" | ">=" | "%" | "!%"
//	value = "JSON string" | number | true | false | null | bareword
//
// A path is a gjson path of letters, digits, '_', '-', '#', '*' and '?'
// segments joined by '.', for example details.scope or details.aud.#.
// A bare path holds when the value exists; "!path" when it does not.
// "%" is a glob match ('*' and '?') on the value as a string: the issue's
// example is details.scope%"*admin*". "<" and friends compare numbers
// numerically and anything else as strings. When the path yields an
// array, a condition holds if any element satisfies it ("!=" and "!%"
// hold if no element matches). "&&" binds tighter than "||"; there are no
// parentheses. A bareword value is a run of letters, digits and
// _ . : / @ - + * ?, so details.scope%*admin* works unquoted too.
const maxExprLen = 1024

// maxConds bounds the number of conditions in one expression.
const maxConds = 32

type exprOp int

const (
	opExists exprOp = iota
	opMissing
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opGlob
	opNotGlob
)

var opText = map[string]exprOp{
	"==": opEq, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe,
	"%": opGlob, "!%": opNotGlob,
}

// cond is one comparison; val is a string, float64, bool or nil.
type cond struct {
	path string
	op   exprOp
	val  any
}

// expr is a disjunction of conjunctions.
type expr struct {
	any [][]cond
}

// parseExpr compiles s. The empty string yields a nil expr (match all).
func parseExpr(s string) (*expr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if len(s) > maxExprLen {
		return nil, &ExprError{Message: fmt.Sprintf("longer than %d bytes", maxExprLen)}
	}
	p := &exprParser{s: s}
	e := &expr{}
	and := []cond{}
	n := 0
	for {
		c, err := p.cond()
		if err != nil {
			return nil, err
		}
		if n++; n > maxConds {
			return nil, p.fail("more than %d conditions", maxConds)
		}
		and = append(and, c)
		p.space()
		switch {
		case p.eof():
			e.any = append(e.any, and)
			return e, nil
		case p.take("&&"):
		case p.take("||"):
			e.any = append(e.any, and)
			and = []cond{}
		default:
			return nil, p.fail("expected && or || or end")
		}
	}
}

// exprParser is a cursor over the expression text.
type exprParser struct {
	s   string
	pos int
}

func (p *exprParser) fail(format string, a ...any) error {
	return &ExprError{Message: fmt.Sprintf("at offset %d: %s", p.pos, fmt.Sprintf(format, a...))}
}

func (p *exprParser) eof() bool { return p.pos >= len(p.s) }

func (p *exprParser) space() {
	for !p.eof() && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *exprParser) take(tok string) bool {
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *exprParser) cond() (cond, error) {
	p.space()
	if p.take("!") {
		path, err := p.path()
		return cond{path: path, op: opMissing}, err
	}
	path, err := p.path()
	if err != nil {
		return cond{}, err
	}
	p.space()
	op, ok := p.op()
	if !ok {
		return cond{path: path, op: opExists}, nil
	}
	p.space()
	v, err := p.value()
	return cond{path: path, op: op, val: v}, err
}

func isPathByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '#' || c == '*' || c == '?' || c == '.'
}

func (p *exprParser) path() (string, error) {
	start := p.pos
	for !p.eof() && isPathByte(p.s[p.pos]) {
		p.pos++
	}
	path := p.s[start:p.pos]
	switch {
	case path == "":
		return "", p.fail("expected a path")
	case path[0] == '.' || path[len(path)-1] == '.' || strings.Contains(path, ".."):
		p.pos = start
		return "", p.fail("empty path segment in %q", path)
	}
	return path, nil
}

func (p *exprParser) op() (exprOp, bool) {
	for _, t := range []string{"==", "!=", "<=", ">=", "!%", "<", ">", "%"} {
		if p.take(t) {
			return opText[t], true
		}
	}
	return 0, false
}

func (p *exprParser) value() (any, error) {
	if p.eof() {
		return nil, p.fail("expected a value")
	}
	if p.s[p.pos] == '"' {
		return p.quoted()
	}
	start := p.pos
	for !p.eof() && isWordByte(p.s[p.pos]) {
		p.pos++
	}
	w := p.s[start:p.pos]
	switch w {
	case "":
		return nil, p.fail("expected a value")
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if f, err := strconv.ParseFloat(w, 64); err == nil && (w[0] == '-' || w[0] >= '0' && w[0] <= '9') {
		return f, nil
	}
	return w, nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("_.:/@-+*?", c) >= 0
}

// quoted reads a JSON string literal.
func (p *exprParser) quoted() (any, error) {
	start := p.pos
	p.pos++
	for !p.eof() {
		switch p.s[p.pos] {
		case '\\':
			p.pos += 2
			continue
		case '"':
			p.pos++
			var s string
			if err := json.Unmarshal([]byte(p.s[start:p.pos]), &s); err != nil {
				p.pos = start
				return nil, p.fail("bad string literal")
			}
			return s, nil
		}
		p.pos++
	}
	p.pos = start
	return nil, p.fail("unterminated string")
}
