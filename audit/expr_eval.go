package audit

import (
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/match"
)

// globBudget bounds the work of one glob match (see match.MatchLimit).
const globBudget = 10000

// eval reports whether the stored JSON line satisfies x.
func (x *expr) eval(line []byte) bool {
	if x == nil {
		return true
	}
	for _, and := range x.any {
		ok := true
		for _, c := range and {
			if !c.eval(gjson.GetBytes(line, c.path)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c cond) eval(r gjson.Result) bool {
	switch c.op {
	case opExists:
		return r.Exists()
	case opMissing:
		return !r.Exists()
	case opNe:
		return !cond{path: c.path, op: opEq, val: c.val}.eval(r)
	case opNotGlob:
		return !cond{path: c.path, op: opGlob, val: c.val}.eval(r)
	}
	if !r.Exists() {
		return false
	}
	if r.IsArray() {
		for _, el := range r.Array() {
			if c.one(el) {
				return true
			}
		}
		return false
	}
	return c.one(r)
}

// one applies a positive operator to a single (non-array) value.
func (c cond) one(r gjson.Result) bool {
	switch v := c.val.(type) {
	case nil:
		return c.op == opEq && r.Type == gjson.Null
	case bool:
		return c.op == opEq && (r.Type == gjson.True) == v && (r.Type == gjson.True || r.Type == gjson.False)
	case float64:
		if c.op == opGlob || r.Type != gjson.Number {
			return c.op == opGlob && globString(r.String(), c.val)
		}
		return compare(cmpFloat(r.Num, v), c.op)
	case string:
		if c.op == opGlob {
			return globString(r.String(), v)
		}
		if r.Type == gjson.JSON {
			return false
		}
		return compare(strings.Compare(r.String(), v), c.op)
	}
	return false
}

func globString(s string, pattern any) bool {
	p, ok := pattern.(string)
	if !ok {
		return false
	}
	m, _ := match.MatchLimit(s, p, globBudget)
	return m
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(c int, op exprOp) bool {
	switch op {
	case opEq:
		return c == 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	case opGe:
		return c >= 0
	}
	return false
}
