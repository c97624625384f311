package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// argError says why argument n (1-based) of type t did not decode from
// raw, from the decoder's typed errors and the parameter's own fields,
// never from the decoder's error text.
func argError(n int, t reflect.Type, raw json.RawMessage, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return invalid(fmt.Sprintf("argument %d is not valid JSON", n))
	case errors.As(err, &te) && te.Field != "":
		return invalid(fmt.Sprintf("argument %d: %s must be %s, not %s", n, te.Field, jsonKind(te.Type), te.Value))
	case errors.As(err, &te):
		return invalid(fmt.Sprintf("argument %d must be %s, not %s", n, jsonKind(te.Type), te.Value))
	}
	if name, ok := unknownField(t, raw); ok {
		return invalid(fmt.Sprintf("argument %d: unknown field %q", n, name))
	}
	return invalid(fmt.Sprintf("argument %d is not what this operation takes", n))
}

// jsonKind names the JSON a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// unknownField returns the first top-level member of raw that struct type
// t has no field for.
func unknownField(t reflect.Type, raw json.RawMessage) (string, bool) {
	if t.Kind() != reflect.Struct {
		return "", false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return "", false
	}
	known := map[string]bool{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		known[strings.ToLower(name)] = true
	}
	for k := range obj {
		if !known[strings.ToLower(k)] {
			return k, true
		}
	}
	return "", false
}
