package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestRoutes(t *testing.T) {
	srv := httptest.NewServer(NewHandler())
	defer srv.Close()

	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/", 200, "hello from go-service\n"},
		{"/healthz", 200, "ok\n"},
		{"/hello/Grace%20Hopper", 200, "{\"message\":\"hello Grace Hopper, from go-service\"}\n"},
		{"/nope", 404, "404 page not found\n"},
	}
	for _, c := range cases {
		status, body := get(t, srv, c.path)
		if status != c.status || body != c.body {
			t.Errorf("GET %s = %d %q; want %d %q", c.path, status, body, c.status, c.body)
		}
	}
}

func TestPostIsRejected(t *testing.T) {
	srv := httptest.NewServer(NewHandler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST / = %d, want 405", resp.StatusCode)
	}
}
