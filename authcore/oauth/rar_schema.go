package oauth

import (
	"errors"
	"net/url"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/latchkey/latchkey/authcore"
)

// detailSchemaURL names a type's schema inside the compiler; nothing is
// ever loaded from it (a hierarchical URL, so a relative $ref resolves to
// another URL the loader refuses, not to the schema itself).
const detailSchemaURL = "https://authorization-details.latchkey.invalid/"

// errSchemaRef refuses every schema reference outside the schema itself:
// the library's default loader would read files.
var errSchemaRef = errors.New("oauth: schema references outside the schema are not loaded")

// noLoader is the jsonschema.URLLoader that loads nothing.
type noLoader struct{}

// Load refuses every URL.
func (noLoader) Load(string) (any, error) { return nil, errSchemaRef }

// compileDetailSchema compiles a type's JSON Schema as draft 2020-12
// (unless it names another draft in $schema), with format assertions
// and no loading of external references.
func compileDetailSchema(typ, schema string) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	loc := detailSchemaURL + url.PathEscape(typ)
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	return c.Compile(loc)
}

// schemaCache keeps compiled schemas by type, reused while the stored
// type is unchanged (its UpdatedAt and schema text).
type schemaCache struct {
	mu sync.Mutex
	m  map[string]cachedSchema
}

type cachedSchema struct {
	text   string
	schema *jsonschema.Schema
}

// get returns the compiled schema of t, compiling it on first use.
func (c *schemaCache) get(t authcore.AuthorizationDetailType) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[t.Type]; ok && e.text == t.Schema {
		return e.schema, nil
	}
	sch, err := compileDetailSchema(t.Type, t.Schema)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]cachedSchema{}
	}
	c.m[t.Type] = cachedSchema{text: t.Schema, schema: sch}
	return sch, nil
}
