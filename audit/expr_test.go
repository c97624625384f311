package audit

import (
	"bytes"
	"errors"
	"testing"
)

func TestExprEval(t *testing.T) {
	line := []byte(`{"seq":7,"type":"token.issued","outcome":"success","details":{"scope":"openid admin","aud":["api","admin-api"],"n":42,"ok":true,"none":null}}`)
	tests := []struct {
		expr string
		want bool
	}{
		{`details.scope%"*admin*"`, true},
		{`details.scope%*admin*`, true},
		{`details.scope!%"*admin*"`, false},
		{`details.aud%"admin*"`, true},
		{`details.aud=="api"`, true},
		{`details.aud!="api"`, false},
		{`details.aud=="web"`, false},
		{`details.n==42`, true},
		{`details.n>41 && details.n<=42`, true},
		{`details.n>42`, false},
		{`details.n=="42"`, true},
		{`details.ok==true`, true},
		{`details.ok==false`, false},
		{`details.none==null`, true},
		{`details.missing`, false},
		{`!details.missing`, true},
		{`details.missing!=1`, true},
		{`details.aud.#==2`, true},
		{`type==token.issued && outcome==success`, true},
		{`type==login.failed || seq>=7`, true},
		{`type==login.failed || seq>7`, false},
		{`type>"token.a"`, true},
		{`  type == "token.issued"  `, true},
		{`details.scope=="openid \u0061dmin"`, true},
	}
	for _, tt := range tests {
		x, err := parseExpr(tt.expr)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		if got := x.eval(line); got != tt.want {
			t.Errorf("%q = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestExprErrors(t *testing.T) {
	for _, s := range []string{"a b", "a==", "a===b", "&&", "a &&", "a||||b", "a.", "a..b", "a==\"x", "a==\"\\q\"", "a[0]", "a|b", "@this", "a==(1)", "!", "!a==1"} {
		_, err := parseExpr(s)
		if !errors.Is(err, ErrBadExpression) {
			t.Errorf("%q: err = %v", s, err)
		} else {
			t.Logf("%q: %v", s, err)
		}
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{`details.scope%"*admin*"`, `a==1 && b!="x" || !c`, `x.#>=2`, `a=="\u00e9"`} {
		f.Add(s)
	}
	line := []byte(`{"a":1,"b":"x","details":{"scope":["admin"]},"x":[1,2]}`)
	f.Fuzz(func(t *testing.T, s string) {
		x, err := parseExpr(s)
		if err != nil {
			if !errors.Is(err, ErrBadExpression) {
				t.Fatalf("%q: error %v does not wrap ErrBadExpression", s, err)
			}
			return
		}
		x.eval(line)
	})
}

func FuzzCursor(f *testing.F) {
	f.Add("AQAAAAAAAAAAAAAAAAAAAAAB", int64(5), uint64(9))
	f.Add("", int64(0), uint64(1))
	l := &Log{cursorKey: bytes.Repeat([]byte{7}, 32)}
	f.Fuzz(func(t *testing.T, s string, ts int64, seq uint64) {
		if i, err := l.decodeCursor(s); err == nil {
			if l.encodeCursor(i) != s {
				t.Fatalf("cursor %q is not canonical", s)
			}
		} else if !errors.Is(err, ErrBadCursor) {
			t.Fatal(err)
		}
		i := makeID(ts, seq)
		got, err := l.decodeCursor(l.encodeCursor(i))
		if i.isZero() {
			if err == nil {
				t.Fatal("zero cursor accepted")
			}
			return
		}
		if err != nil || got != i {
			t.Fatalf("round trip %v: %v %v", i, got, err)
		}
	})
}
