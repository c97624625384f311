package tsgen

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"strings"
)

// field is one JSON member of a struct.
type field struct {
	name     string
	ts       string
	optional bool
	doc      string
}

// declare writes the declaration of the named type t.
func (g *generator) declare(b *bytes.Buffer, t reflect.Type) {
	n := g.named[t]
	b.WriteString("\n")
	g.comment(b, "", strings.TrimSpace(strings.TrimSpace(g.docs.typeDoc(t))+" (Go: "+key(t)+")"))
	if t.Kind() != reflect.Struct {
		basic := map[reflect.Kind]string{reflect.Bool: "boolean", reflect.String: "string"}[t.Kind()]
		if basic == "" {
			basic = "number"
		}
		fmt.Fprintf(b, "export type %s = %s\n", n, basic)
		return
	}
	fmt.Fprintf(b, "export interface %s {\n", n)
	for _, f := range g.fields(t) {
		g.comment(b, "  ", f.doc)
		opt := ""
		if f.optional {
			opt = "?"
		}
		fmt.Fprintf(b, "  %s%s: %s\n", f.name, opt, f.ts)
	}
	b.WriteString("}\n")
}

// inline returns an anonymous struct as an object type literal.
func (g *generator) inline(t reflect.Type) string {
	var parts []string
	for _, f := range g.fields(t) {
		opt := ""
		if f.optional {
			opt = "?"
		}
		parts = append(parts, f.name+opt+": "+f.ts)
	}
	return "{ " + strings.Join(parts, "; ") + " }"
}

// fields lists t's JSON members as encoding/json encodes them, in
// declaration order: exported fields by their tag name, "-" left out,
// untagged embedded structs inlined where they stand, an outer name
// hiding an embedded one.
func (g *generator) fields(t reflect.Type) []field {
	var out []field
	g.collect(t, &out, map[string]bool{})
	return out
}

// member is a struct field's JSON name, or embedded when its fields are
// inlined.
func member(sf reflect.StructField) (name, opts string, embedded reflect.Type) {
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return "", "", nil
	}
	name, opts, _ = strings.Cut(tag, ",")
	if sf.Anonymous && name == "" {
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			return "", "", ft
		}
	}
	if !sf.IsExported() {
		return "", "", nil
	}
	if name == "" {
		name = sf.Name
	}
	return name, opts, nil
}

func (g *generator) collect(t reflect.Type, out *[]field, outer map[string]bool) {
	hidden := maps.Clone(outer)
	for i := range t.NumField() {
		if name, _, _ := member(t.Field(i)); name != "" {
			hidden[name] = true
		}
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, emb := member(sf)
		switch {
		case emb != nil:
			g.collect(emb, out, hidden)
			continue
		case name == "" || outer[name]:
			continue
		}
		ft := sf.Type
		ts := g.ts(ft)
		opts = "," + opts + ","
		if strings.Contains(opts, ",string,") {
			ts = "string"
		}
		omit := strings.Contains(opts, ",omitempty,") || strings.Contains(opts, ",omitzero,")
		if k := ft.Kind(); !omit && (k == reflect.Pointer || k == reflect.Map) {
			ts += " | null"
		}
		*out = append(*out, field{name: name, ts: ts, optional: omit, doc: g.docs.fieldDoc(t, sf.Name)})
	}
}
