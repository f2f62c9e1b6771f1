package server

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"shencha/internal/review"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI builds the OpenAPI 3.1 document from the route list and the
// transition table, so it cannot drift from what the server does.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.routes {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_").Replace(rt.Path),
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK"},
				"default": map[string]any{"description": "error", "content": jsonContent(ref("Error"))},
			},
		}
		if rt.Public {
			op["security"] = []any{}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			p := map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}}
			if m[1] == "action" && strings.HasPrefix(rt.Path, "/api/v1/cases/") {
				p["schema"] = map[string]any{"type": "string", "enum": actionNames()}
				p["description"] = actionDocs()
			}
			if m[1] == "action" && strings.HasPrefix(rt.Path, "/api/v1/listings/") {
				var names []string
				for _, l := range review.ListingTable {
					if l.ByOffice {
						names = append(names, string(l.Action))
					}
				}
				p["schema"] = map[string]any{"type": "string", "enum": names}
			}
			params = append(params, p)
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		switch {
		case rt.Path == "/api/v1/cases/{number}/actions/{action}":
			op["requestBody"] = map[string]any{"content": jsonContent(ref("ActionInput"))}
		case rt.Method == "POST" && rt.Path == "/api/v1/reports":
			content := jsonContent(ref("NewReport"))
			content["multipart/form-data"] = map[string]any{"schema": reportForm()}
			op["requestBody"] = map[string]any{"content": content}
		case rt.Path == "/api/v1/reports/{id}/triage":
			op["requestBody"] = map[string]any{"content": jsonContent(ref("Triage"))}
		}
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "shencha API", "version": "1",
			"description": "Cybersecurity review of network products and services. Errors are {\"error\":{\"code\",\"message\",\"field\"}}; messages follow Accept-Language (zh-CN default, en)."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{
				"Error":       errorSchema(),
				"ActionInput": schemaOf(reflect.TypeOf(review.Input{})),
				"NewReport":   schemaOf(reflect.TypeOf(review.NewReport{})),
				"Triage":      schemaOf(reflect.TypeOf(review.Triage{})),
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

func actionNames() []string {
	var out []string
	for _, a := range review.Actions() {
		out = append(out, string(a))
	}
	return out
}

// actionDocs describes every action: who, from which states, to which, needing what.
func actionDocs() string {
	var b strings.Builder
	for _, r := range review.Table {
		var from []string
		for _, s := range r.From {
			from = append(from, string(s))
		}
		to := string(r.To)
		if to == "" {
			to = "(same state)"
		}
		b.WriteString("- `" + string(r.Action) + "`: " + r.Doc + ". By " + strings.Join(r.By.Names(), ", ") +
			"; from " + strings.Join(from, ", ") + " → " + to)
		if len(r.Needs) > 0 {
			b.WriteString("; needs " + strings.Join(r.Needs, ", "))
		}
		b.WriteString(".\n")
	}
	return b.String()
}

// reportForm is the multipart form of a report: its text fields (about
// names the subject as product:ID or provider:ID), then its files.
func reportForm() map[string]any {
	props := map[string]any{"about": map[string]any{"type": "string", "pattern": "^(product|provider):[0-9]+$"},
		"file": map[string]any{"type": "array", "maxItems": review.MaxReportFiles, "items": map[string]any{"type": "string", "format": "binary"}}}
	for name := range reportFields {
		if props[name] == nil {
			props[name] = map[string]any{"type": "string"}
		}
	}
	return map[string]any{"type": "object", "properties": props, "required": []string{"description"}}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func errorSchema() map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{
		"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
			"code": map[string]any{"type": "string", "enum": review.ErrorCodes}, "message": str, "field": str,
			"allowed_actions": map[string]any{"type": "array", "items": str},
		}},
	}}
}

// schemaOf derives a JSON schema from a struct's json tags.
func schemaOf(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				props[name] = schemaOf(t.Field(i).Type)
			}
		}
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	return map[string]any{}
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, 200, s.OpenAPI())
	return nil
}
