package sdk

import (
	"context"
	"strings"
)

// scope is the logging state that a context carries: the session, the user and properties.
// A scope is never changed once stored in a context.
type scope struct {
	sessionID   string
	sessionName string
	// path is the session path of the enclosing operation, "" at the session root.
	path   string
	userID string
	props  []header
}

type scopeKey struct{}

func scopeFrom(ctx context.Context) *scope {
	if ctx == nil {
		return nil
	}
	sc, _ := ctx.Value(scopeKey{}).(*scope)
	return sc
}

// derive returns a copy of the context's scope, or an empty one.
func derive(ctx context.Context) *scope {
	if sc := scopeFrom(ctx); sc != nil {
		c := *sc
		return &c
	}
	return &scope{}
}

// ContextWithSession returns a context whose logs belong to the session with this id and
// name, at the session's root path. Every log made with the returned context, or with a
// context passed down by a wrapped operation, carries the Helicone-Session-Id,
// Helicone-Session-Name and Helicone-Session-Path headers. Each wrapped operation extends
// the path by one segment for the logs made inside it (see [WithPathSegment]).
func ContextWithSession(ctx context.Context, id, name string) context.Context {
	sc := derive(ctx)
	sc.sessionID = id
	sc.sessionName = name
	sc.path = ""
	return context.WithValue(ctx, scopeKey{}, sc)
}

// ContextWithUserID returns a context whose logs carry Helicone-User-Id: id.
func ContextWithUserID(ctx context.Context, id string) context.Context {
	sc := derive(ctx)
	sc.userID = id
	return context.WithValue(ctx, scopeKey{}, sc)
}

// ContextWithProperties returns a context whose logs carry the custom properties props as
// Helicone-Property-<key> headers, in addition to those the context already carries. A key
// given again replaces the earlier value.
func ContextWithProperties(ctx context.Context, props map[string]string) context.Context {
	sc := derive(ctx)
	sc.props = append(make([]header, 0, len(sc.props)+len(props)), sc.props...)
	for k, v := range props {
		sc.props = append(sc.props, header{prefix: propertyPrefix, name: k, value: v})
	}
	return context.WithValue(ctx, scopeKey{}, sc)
}

// joinPath appends one segment to a session path. A "/" inside the segment becomes "_"
// so that one operation adds exactly one level.
func joinPath(parent, segment string) string {
	if segment == "" {
		return parent
	}
	if strings.Contains(segment, "/") {
		segment = strings.ReplaceAll(segment, "/", "_")
	}
	return parent + "/" + segment
}
