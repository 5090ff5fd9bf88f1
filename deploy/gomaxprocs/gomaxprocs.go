// Package gomaxprocs is the admin endpoint the gmpwatch remediator uses to tune a service's
// GOMAXPROCS at run time. Mount it on an internal listener:
//
//	http.Handle("/debug/gomaxprocs", gomaxprocs.Handler(os.Getenv("GOMAXPROCS_ADMIN_TOKEN")))
//
// GET reports the current value, the CPUs the process may use, and whether the GOMAXPROCS
// environment variable pins it. POST {"value": n} sets it; POST {"default": true} hands control
// back to the runtime's own choice (runtime.SetDefaultGOMAXPROCS, Go 1.25 and later).
// With a non-empty token, requests must carry "Authorization: Bearer <token>".
package gomaxprocs

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"sync"
)

// State is what GET returns and what POST answers with.
type State struct {
	GOMAXPROCS  int    `json:"gomaxprocs"`
	Previous    int    `json:"previous,omitempty"`
	NumCPU      int    `json:"numCPU"`
	EnvOverride bool   `json:"envOverride"`
	GoVersion   string `json:"goVersion"`
}

type request struct {
	Value   *int `json:"value"`
	Default bool `json:"default"`
}

var mu sync.Mutex

// Handler returns the endpoint. An empty token disables authentication (only for listeners
// nobody else can reach).
func Handler(token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+token)) != 1 {
			fail(w, http.StatusUnauthorized, "missing or wrong token")
			return
		}
		switch r.Method {
		case http.MethodGet:
			reply(w, current(0))
		case http.MethodPost:
			set(w, r)
		default:
			fail(w, http.StatusMethodNotAllowed, "use GET or POST")
		}
	})
}

func set(w http.ResponseWriter, r *http.Request) {
	var req request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "body must be {\"value\": n} or {\"default\": true}")
		return
	}
	mu.Lock()
	defer mu.Unlock()
	switch {
	case req.Default && req.Value == nil:
		prev := runtime.GOMAXPROCS(0)
		if err := setDefault(); err != nil {
			fail(w, http.StatusNotImplemented, err.Error())
			return
		}
		reply(w, current(prev))
	case req.Value != nil && !req.Default:
		if *req.Value < 1 || *req.Value > runtime.NumCPU() {
			fail(w, http.StatusBadRequest, "value must be between 1 and NumCPU")
			return
		}
		prev := runtime.GOMAXPROCS(*req.Value)
		reply(w, current(prev))
	default:
		fail(w, http.StatusBadRequest, "body must be {\"value\": n} or {\"default\": true}")
	}
}

func current(previous int) State {
	_, env := os.LookupEnv("GOMAXPROCS")
	return State{GOMAXPROCS: runtime.GOMAXPROCS(0), Previous: previous, NumCPU: runtime.NumCPU(),
		EnvOverride: env, GoVersion: runtime.Version()}
}

func reply(w http.ResponseWriter, s State) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
