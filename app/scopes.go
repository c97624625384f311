package app

import "github.com/latchkey/latchkey/authcore"

// Scope is a registered scope.
type Scope struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
}

func scopeDTO(s authcore.Scope) Scope {
	return Scope{Name: s.Name, Description: s.Description, CreatedAt: stamp(s.CreatedAt)}
}

// ListScopes returns the scope registry, by name.
func (a *App) ListScopes() ([]Scope, error) {
	ss, err := a.srv.OAuth.ListScopes(a.ctx("scope.list"))
	if err != nil {
		return nil, err
	}
	out := make([]Scope, 0, len(ss))
	for _, s := range ss {
		out = append(out, scopeDTO(s))
	}
	sortBy(out, func(s Scope) string { return s.Name }, false)
	return out, nil
}

// CreateScope registers a scope with the description shown on consent.
func (a *App) CreateScope(name, description string) (Scope, error) {
	ctx := a.ctx("scope.create")
	s, err := a.srv.OAuth.CreateScope(ctx, name, description)
	if err != nil {
		return Scope{}, registryError(err)
	}
	a.adminAction(ctx, "scope.create", name)
	return scopeDTO(s), nil
}
