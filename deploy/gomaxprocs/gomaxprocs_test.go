package gomaxprocs

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

func do(t *testing.T, h http.Handler, method, body, auth string) (int, State) {
	t.Helper()
	req := httptest.NewRequest(method, "/debug/gomaxprocs", strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var s State
	_ = json.Unmarshal(rec.Body.Bytes(), &s)
	return rec.Code, s
}

func TestGetReportsTheCurrentValue(t *testing.T) {
	code, s := do(t, Handler(""), http.MethodGet, "", "")
	if code != 200 || s.GOMAXPROCS != runtime.GOMAXPROCS(0) || s.NumCPU != runtime.NumCPU() {
		t.Fatalf("got %d %+v", code, s)
	}
}

func TestPostSetsAndReportsThePreviousValue(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(before)
	code, s := do(t, Handler(""), http.MethodPost, `{"value": 1}`, "")
	if code != 200 || s.GOMAXPROCS != 1 || s.Previous != before || runtime.GOMAXPROCS(0) != 1 {
		t.Fatalf("got %d %+v", code, s)
	}
}

func TestRejectsBadInput(t *testing.T) {
	for _, body := range []string{`{"value": 0}`, `{"value": 100000}`, `{}`, `{"value": 1, "default": true}`, `nope`, `{"x": 1}`} {
		if code, _ := do(t, Handler(""), http.MethodPost, body, ""); code != 400 {
			t.Errorf("%s: got %d, want 400", body, code)
		}
	}
	if code, _ := do(t, Handler(""), http.MethodDelete, "", ""); code != 405 {
		t.Errorf("DELETE: got %d, want 405", code)
	}
}

func TestTokenIsRequiredWhenSet(t *testing.T) {
	h := Handler("s3cret")
	if code, _ := do(t, h, http.MethodGet, "", ""); code != 401 {
		t.Fatalf("no token: got %d", code)
	}
	if code, _ := do(t, h, http.MethodGet, "", "Bearer wrong"); code != 401 {
		t.Fatalf("wrong token: got %d", code)
	}
	if code, _ := do(t, h, http.MethodGet, "", "Bearer s3cret"); code != 200 {
		t.Fatalf("right token: got %d", code)
	}
}
