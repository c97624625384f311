package tsgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"strings"
)

// docIndex reads doc comments and parameter names from the Go source of
// the packages the generated types come from, one package at a time.
type docIndex struct {
	pkgs map[string]*pkgDocs
}

type pkgDocs struct {
	docs   map[string]string   // "Type", "Type.Field", "Recv.Method" -> doc
	params map[string][]string // "Recv.Method" -> parameter names
}

func newDocIndex() *docIndex { return &docIndex{pkgs: map[string]*pkgDocs{}} }

// pkg parses the non-test files of the package at path. A package whose
// source cannot be found has no docs; the types are still generated.
func (d *docIndex) pkg(path string) *pkgDocs {
	if p, ok := d.pkgs[path]; ok {
		return p
	}
	p := &pkgDocs{docs: map[string]string{}, params: map[string][]string{}}
	d.pkgs[path] = p
	bp, err := build.Import(path, ".", build.FindOnly)
	if err != nil {
		return p
	}
	fset := token.NewFileSet()
	notTest := func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }
	//lint:ignore SA1019 one directory of one package is what we need here
	parsed, err := parser.ParseDir(fset, bp.Dir, notTest, parser.ParseComments)
	if err != nil {
		return p
	}
	for _, ap := range parsed {
		for _, f := range ap.Files {
			p.add(f)
		}
	}
	return p
}

func (p *pkgDocs) add(f *ast.File) {
	for _, decl := range f.Decls {
		switch decl := decl.(type) {
		case *ast.GenDecl:
			for _, spec := range decl.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok {
					continue
				}
				doc := ts.Doc
				if doc == nil && len(decl.Specs) == 1 {
					doc = decl.Doc
				}
				p.docs[ts.Name.Name] = doc.Text()
				if st, ok := ts.Type.(*ast.StructType); ok {
					for _, fl := range st.Fields.List {
						text := fl.Doc.Text()
						if text == "" {
							text = fl.Comment.Text()
						}
						for _, n := range fl.Names {
							p.docs[ts.Name.Name+"."+n.Name] = text
						}
					}
				}
			}
		case *ast.FuncDecl:
			if decl.Recv == nil || len(decl.Recv.List) != 1 {
				continue
			}
			recv := decl.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			id, ok := recv.(*ast.Ident)
			if !ok {
				continue
			}
			k := id.Name + "." + decl.Name.Name
			p.docs[k] = decl.Doc.Text()
			var names []string
			for _, fl := range decl.Type.Params.List {
				for _, n := range fl.Names {
					names = append(names, n.Name)
				}
			}
			p.params[k] = names
		}
	}
}

func (d *docIndex) typeDoc(t reflect.Type) string {
	return d.pkg(t.PkgPath()).docs[t.Name()]
}

func (d *docIndex) fieldDoc(t reflect.Type, field string) string {
	if t.Name() == "" {
		return ""
	}
	return d.pkg(t.PkgPath()).docs[t.Name()+"."+field]
}

func (d *docIndex) methodDoc(recv reflect.Type, method string) string {
	return d.pkg(recv.PkgPath()).docs[recv.Name()+"."+method]
}

// reserved are JavaScript words that cannot name a parameter.
var reserved = map[string]bool{"in": true, "new": true, "default": true, "function": true, "class": true,
	"delete": true, "var": true, "const": true, "let": true, "case": true, "switch": true, "this": true,
	"typeof": true, "void": true, "with": true, "yield": true, "enum": true, "export": true, "import": true}

// params returns the n parameter names of recv.method, from the source,
// or arg1... when the source does not name them.
func (d *docIndex) params(recv reflect.Type, method string, n int) []string {
	names := d.pkg(recv.PkgPath()).params[recv.Name()+"."+method]
	out := make([]string, n)
	for i := range out {
		switch {
		case len(names) != n || names[i] == "_":
			out[i] = fmt.Sprintf("arg%d", i+1)
		case reserved[names[i]]:
			out[i] = names[i] + "_"
		default:
			out[i] = names[i]
		}
	}
	return out
}

// comment writes text as a JSDoc comment at indent; nothing for no text.
func (g *generator) comment(b *bytes.Buffer, indent, text string) {
	text = strings.ReplaceAll(strings.TrimSpace(text), "*/", "*\u2215")
	if text == "" {
		return
	}
	lines := strings.Split(text, "\n")
	if len(lines) == 1 {
		fmt.Fprintf(b, "%s/** %s */\n", indent, text)
		return
	}
	fmt.Fprintf(b, "%s/**\n", indent)
	for _, l := range lines {
		fmt.Fprintf(b, "%s%s\n", indent, strings.TrimRight(" * "+l, " "))
	}
	fmt.Fprintf(b, "%s */\n", indent)
}
