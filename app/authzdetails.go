package app

import (
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// DetailType is a registered RFC 9396 authorization_details type.
type DetailType struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	// Schema is the JSON Schema (draft 2020-12) of the type's objects.
	Schema string `json:"schema"`
	// ConsentTemplate is the consent page's sentence for one object:
	// {{field}} and {{field.sub}} are replaced by its values, as text.
	ConsentTemplate string `json:"consent_template"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

// DetailTypeInput creates or replaces a type; Type names it.
type DetailTypeInput struct {
	Type            string `json:"type"`
	Description     string `json:"description"`
	Schema          string `json:"schema"`
	ConsentTemplate string `json:"consent_template"`
}

func detailTypeDTO(t authcore.AuthorizationDetailType) DetailType {
	return DetailType{Type: t.Type, Description: t.Description, Schema: t.Schema, ConsentTemplate: t.ConsentTemplate,
		CreatedAt: stamp(t.CreatedAt), UpdatedAt: stamp(t.UpdatedAt)}
}

func (in DetailTypeInput) domain() authcore.AuthorizationDetailType {
	return authcore.AuthorizationDetailType{Type: in.Type, Description: in.Description, Schema: in.Schema,
		ConsentTemplate: in.ConsentTemplate}
}

// detailTypeError shows a refused type's reason to the administrator.
func detailTypeError(err error) error {
	if msg, ok := authcore.PublicMessage(err, oauth.ErrInvalidDetailType); ok {
		return invalid(msg)
	}
	return err
}

// ListAuthorizationDetailTypes returns the registered authorization_details
// types (RFC 9396), by name.
func (a *App) ListAuthorizationDetailTypes() ([]DetailType, error) {
	ts, err := a.srv.OAuth.ListAuthorizationDetailTypes(a.ctx("authorization_details_type.list"))
	if err != nil {
		return nil, err
	}
	out := make([]DetailType, 0, len(ts))
	for _, t := range ts {
		out = append(out, detailTypeDTO(t))
	}
	return out, nil
}

// CreateAuthorizationDetailType registers a type: its schema must
// compile and its consent template use only placeholders.
func (a *App) CreateAuthorizationDetailType(in DetailTypeInput) (DetailType, error) {
	ctx := a.ctx("authorization_details_type.create")
	t, err := a.srv.OAuth.CreateAuthorizationDetailType(ctx, in.domain())
	if err != nil {
		return DetailType{}, detailTypeError(err)
	}
	a.adminAction(ctx, "authorization_details_type.create", t.Type)
	return detailTypeDTO(t), nil
}

// UpdateAuthorizationDetailType replaces a type's description, schema and
// consent template; tokens already issued keep their details.
func (a *App) UpdateAuthorizationDetailType(in DetailTypeInput) (DetailType, error) {
	ctx := a.ctx("authorization_details_type.update")
	t, err := a.srv.OAuth.UpdateAuthorizationDetailType(ctx, in.domain())
	if err != nil {
		return DetailType{}, detailTypeError(err)
	}
	a.adminAction(ctx, "authorization_details_type.update", t.Type)
	return detailTypeDTO(t), nil
}

// DeleteAuthorizationDetailType removes a type: requests for it fail from
// now on.
func (a *App) DeleteAuthorizationDetailType(name string) error {
	ctx := a.ctx("authorization_details_type.delete")
	if err := a.srv.OAuth.DeleteAuthorizationDetailType(ctx, name); err != nil {
		return err
	}
	a.adminAction(ctx, "authorization_details_type.delete", name)
	return nil
}
