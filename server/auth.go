package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state/tracking"
)

// tokenPrefix starts every secret, so that a leaked one is recognisable.
const tokenPrefix = "mltf_"

// CreateToken makes a token with role and name, records its hash in ts
// and returns the secret, shown once.
func CreateToken(ctx context.Context, ts *tracking.Store, role api.Role, name string) (string, tracking.Token, error) {
	if role == api.Public {
		return "", tracking.Token{}, errors.New("a token needs the role reader, writer or admin")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", tracking.Token{}, err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", tracking.Token{}, err
	}
	t, err := ts.CreateToken(ctx, tracking.Token{ID: hex.EncodeToString(id[:]), Name: name, Role: role.String(), Hash: hashSecret(secret)})
	if err != nil {
		return "", tracking.Token{}, err
	}
	return secret, t, nil
}

// hashSecret is the stored form of a secret. The secrets are 256 random
// bits: a plain SHA-256 cannot be reversed by guessing.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// tokenCache remembers checked tokens for a short while, so that a busy
// client costs one hash per request and not a query; a revoked token
// stops working within tokenTTL.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]cachedToken
}

type cachedToken struct {
	tok     tracking.Token
	checked time.Time
}

const tokenTTL = 5 * time.Second

func (s *Server) lookupToken(ctx context.Context, secret string) (tracking.Token, error) {
	h := hashSecret(secret)
	s.tokens.mu.Lock()
	e, ok := s.tokens.entries[h]
	s.tokens.mu.Unlock()
	if ok && time.Since(e.checked) < tokenTTL {
		return e.tok, nil
	}
	t, err := s.opts.Tracking.TokenByHash(ctx, h)
	if err != nil {
		return tracking.Token{}, err
	}
	s.tokens.mu.Lock()
	if s.tokens.entries == nil || len(s.tokens.entries) > 10_000 {
		s.tokens.entries = map[string]cachedToken{}
	}
	s.tokens.entries[h] = cachedToken{tok: t, checked: time.Now()}
	s.tokens.mu.Unlock()
	return t, nil
}

// secretOf reads the token of a request: Authorization: Bearer TOKEN, or
// Basic auth with the token as the password (MLflow clients send
// MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD so).
func secretOf(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(rest)
	}
	if _, pass, ok := r.BasicAuth(); ok {
		return pass
	}
	return ""
}

// authorize wraps h: the request needs a valid token of role need or
// above; 401 without one, 403 with a weaker one.
func (s *Server) authorize(need api.Role, h http.Handler) http.Handler {
	if need == api.Public {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := secretOf(r)
		if secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mltf"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "this endpoint needs a token: send Authorization: Bearer TOKEN (mltf server token create makes one)")
			return
		}
		t, err := s.lookupToken(r.Context(), secret)
		switch {
		case errors.Is(err, tracking.ErrNotFound):
			w.Header().Set("WWW-Authenticate", `Bearer realm="mltf", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "the token is not known to this server")
			return
		case err != nil:
			writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "cannot check the token: "+err.Error())
			return
		case !t.Revoked.IsZero():
			w.Header().Set("WWW-Authenticate", `Bearer realm="mltf", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", fmt.Sprintf("token %s was revoked on %s", t.ID, t.Revoked.Format(time.RFC3339)))
			return
		}
		role, err := api.ParseRole(t.Role)
		if err != nil {
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", fmt.Sprintf("token %s has %s", t.ID, err))
			return
		}
		c := api.Caller{Token: t, Role: role}
		if lw, ok := w.(*logWriter); ok {
			lw.caller = c
		}
		if role < need {
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", fmt.Sprintf("token %s has the role %s; %s %s needs %s", t.ID, role, r.Method, r.URL.Path, need))
			return
		}
		h.ServeHTTP(w, r.WithContext(api.WithCaller(r.Context(), c)))
	})
}
