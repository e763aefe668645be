package web

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Auth checks the credentials of requests: bearer tokens, and users with
// bcrypt password hashes for HTTP basic auth (as `htpasswd -B` writes
// them).
type Auth struct {
	tokens [][32]byte          // SHA-256 of each token
	users  map[string][]byte   // user → bcrypt hash
	mu     sync.Mutex          //
	good   map[[32]byte]string // SHA-256 of "user:password" checked good → user
}

// maxGood bounds the remembered good basic-auth credentials: bcrypt is
// slow on purpose, and a dashboard polls.
const maxGood = 64

// ParseAuth reads an auth file: one credential a line, blank lines and
// lines starting with # ignored:
//
//	token SECRET              a bearer token (Authorization: Bearer SECRET)
//	USER:BCRYPT-HASH          basic auth; the hash as htpasswd -B writes it
func ParseAuth(r io.Reader) (*Auth, error) {
	a := &Auth{users: map[string][]byte{}, good: map[[32]byte]string{}}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if tok, ok := strings.CutPrefix(line, "token "); ok {
			tok = strings.TrimSpace(tok)
			if len(tok) < 16 {
				return nil, fmt.Errorf("line %d: a token must be at least 16 characters", n)
			}
			a.tokens = append(a.tokens, sha256.Sum256([]byte(tok)))
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("line %d: neither \"token SECRET\" nor \"USER:BCRYPT-HASH\"", n)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("line %d: the hash of %q is not bcrypt (make one with htpasswd -nB USER)", n, user)
		}
		a.users[user] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read auth file: %w", err)
	}
	if len(a.tokens) == 0 && len(a.users) == 0 {
		return nil, fmt.Errorf("the auth file holds no token and no user")
	}
	return a, nil
}

// Allow reports whether r carries a valid credential.
func (a *Auth) Allow(r *http.Request) bool {
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			sum := sha256.Sum256([]byte(tok))
			ok := 0
			for _, t := range a.tokens {
				ok |= subtle.ConstantTimeCompare(sum[:], t[:])
			}
			return ok == 1
		}
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	hash, known := a.users[user]
	if !known {
		return false
	}
	sum := sha256.Sum256([]byte(user + ":" + pass))
	a.mu.Lock()
	u, seen := a.good[sum]
	a.mu.Unlock()
	if seen && u == user {
		return true
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pass)) != nil {
		return false
	}
	a.mu.Lock()
	if len(a.good) >= maxGood {
		clear(a.good)
	}
	a.good[sum] = user
	a.mu.Unlock()
	return true
}

// Challenge answers a request without a valid credential.
func (a *Auth) Challenge(w http.ResponseWriter) {
	if len(a.users) > 0 {
		w.Header().Set("WWW-Authenticate", `Basic realm="knocks", charset="UTF-8"`)
	} else {
		w.Header().Set("WWW-Authenticate", `Bearer realm="knocks"`)
	}
	http.Error(w, "authentication required", http.StatusUnauthorized)
}
