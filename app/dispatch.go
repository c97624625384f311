package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

var errorType = reflect.TypeFor[error]()

// Dispatcher calls App's exported methods by name with JSON arguments: the
// one path by which the browser console and the remote CLI reach the same
// methods the Wails window binds.
type Dispatcher struct {
	recv    reflect.Value
	methods map[string]reflect.Method
}

// NewDispatcher indexes the exported methods of a.
func NewDispatcher(a *App) *Dispatcher {
	d := &Dispatcher{recv: reflect.ValueOf(a), methods: map[string]reflect.Method{}}
	t := d.recv.Type()
	for i := range t.NumMethod() {
		m := t.Method(i)
		if validSignature(m.Type) {
			d.methods[m.Name] = m
		}
	}
	return d
}

// validSignature accepts methods returning error or (T, error).
func validSignature(t reflect.Type) bool {
	switch t.NumOut() {
	case 1:
		return t.Out(0) == errorType
	case 2:
		return t.Out(1) == errorType
	}
	return false
}

// Has reports whether name is a callable method.
func (d *Dispatcher) Has(name string) bool { _, ok := d.methods[name]; return ok }

// Call invokes method name with args, a JSON array (empty or "null" for
// none). It returns the method's result (nil for error-only methods).
func (d *Dispatcher) Call(name string, args []byte) (any, error) {
	return d.call(d.recv, name, args)
}

func (d *Dispatcher) call(recv reflect.Value, name string, args []byte) (any, error) {
	m, ok := d.methods[name]
	if !ok {
		return nil, &Error{Status: 404, Message: "no such operation: " + name}
	}
	var raw []json.RawMessage
	if trimmed := bytes.TrimSpace(args); len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null")) {
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			return nil, invalid("arguments must be a JSON array")
		}
	}
	nin := m.Type.NumIn() - 1 // receiver
	if len(raw) != nin {
		return nil, invalid(fmt.Sprintf("%s takes %d argument(s), got %d", name, nin, len(raw)))
	}
	in := []reflect.Value{recv}
	for i, r := range raw {
		p := reflect.New(m.Type.In(i + 1))
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(p.Interface()); err != nil {
			return nil, argError(i+1, m.Type.In(i+1), r, err)
		}
		in = append(in, p.Elem())
	}
	out := m.Func.Call(in)
	errv := out[len(out)-1]
	if !errv.IsNil() {
		return nil, errv.Interface().(error)
	}
	if len(out) == 2 {
		return out[0].Interface(), nil
	}
	return nil, nil
}
