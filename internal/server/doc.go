// Package server is shencha's HTTP edge: the JSON API under /api/v1/, its
// OpenAPI document, authentication (sessions and API tokens), CSRF and
// security headers, and error rendering in the caller's language. It holds
// no rules of its own: every decision is the domain's, through the store.
package server
