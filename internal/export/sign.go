package export

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// Signer mints and checks download links: an HMAC over the org, the
// export and the expiry, so a link needs no API key, cannot be altered,
// and stops working when it expires.
type Signer struct {
	Secret []byte
}

func (s Signer) mac(org event.OrgID, exportID string, exp int64) string {
	m := hmac.New(sha256.New, s.Secret)
	fmt.Fprintf(m, "%s\x00%s\x00%d", org, exportID, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Query returns the signed query string for a download link.
func (s Signer) Query(org event.OrgID, exportID string, expires time.Time) string {
	exp := expires.Unix()
	v := url.Values{}
	v.Set("org", string(org))
	v.Set("expires", strconv.FormatInt(exp, 10))
	v.Set("sig", s.mac(org, exportID, exp))
	return v.Encode()
}

// Check verifies a link's query for exportID at now, and returns its org.
func (s Signer) Check(exportID string, q url.Values, now time.Time) (event.OrgID, error) {
	org := event.OrgID(q.Get("org"))
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || org == "" {
		return "", event.Errorf(event.CodeForbidden, "this download link is malformed")
	}
	want := s.mac(org, exportID, exp)
	if !hmac.Equal([]byte(want), []byte(q.Get("sig"))) {
		return "", event.Errorf(event.CodeForbidden, "this download link's signature is not valid")
	}
	if now.Unix() >= exp {
		return "", event.Errorf(event.CodeForbidden, "this download link has "+
			"expired; ask GET /search/v1/exports/{id}/results for a fresh one")
	}
	return org, nil
}
