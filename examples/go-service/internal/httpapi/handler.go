// Package httpapi wires the HTTP routes.
package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"example.com/wbuild/go-service/internal/greeting"
)

// NewHandler returns the service's router.
func NewHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", index)
	mux.HandleFunc("/healthz", healthz)
	mux.HandleFunc("/hello/", hello)
	return mux
}

func allowGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return false
	}
	return true
}

func text(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, body+"\n")
}

func index(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if allowGet(w, r) {
		text(w, greeting.Line())
	}
}

func healthz(w http.ResponseWriter, r *http.Request) {
	if allowGet(w, r) {
		text(w, "ok")
	}
}

func hello(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/hello/")
	if name == "" || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	msg, err := greeting.For(name)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
