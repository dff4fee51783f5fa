package export

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// WebhookSecret signs webhook notices; set by the server at start.
var webhookClient = &http.Client{Timeout: 10 * time.Second}

// notify POSTs a signed JSON notice to the request's webhook, if any. A
// failed delivery is logged; it never changes the export's outcome.
func (s *Service) notify(ctx context.Context, op event.Operation) {
	req, err := decodeRequest(op)
	if err != nil || req.WebhookURL == "" {
		return
	}
	body, _ := json.Marshal(map[string]any{
		"operationId": op.ID, "state": op.State, "errorDetails": op.Error,
		"rows": op.Rows, "bytes": op.Bytes,
	})
	hr, err := http.NewRequestWithContext(context.WithoutCancel(ctx),
		http.MethodPost, req.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return
	}
	m := hmac.New(sha256.New, s.WebhookKey)
	m.Write(body)
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("X-Backstory-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
	resp, err := webhookClient.Do(hr)
	if err != nil {
		s.Log.WarnContext(ctx, "webhook delivery failed", "operation_id", op.ID, "err", err)
		return
	}
	resp.Body.Close()
}
