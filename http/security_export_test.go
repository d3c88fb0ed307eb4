package http

import (
	"net/http"
	"net/http/httptest"
)

// MatchRoute returns the pattern of the server's mux that serves a request
// with method and path, "" when none does; the tests of package http_test
// check with it that the routes they read from the source are the routes
// the server has.
func MatchRoute(method, path string) string {
	mux := http.NewServeMux()
	(&Server{}).routes(mux)
	_, pattern := mux.Handler(httptest.NewRequest(method, path, nil))
	return pattern
}
