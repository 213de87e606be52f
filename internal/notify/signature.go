package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// The headers of every webhook request.
const (
	HeaderEvent     = "X-Gridwork-Event"     // the event kind
	HeaderDelivery  = "X-Gridwork-Delivery"  // the delivery id: the same on every retry, for the receiver to drop repeats
	HeaderTimestamp = "X-Gridwork-Timestamp" // Unix seconds when the request was signed
	HeaderSignature = "X-Gridwork-Signature" // "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)
)

// Sign returns the X-Gridwork-Signature value for body sent at timestamp
// (Unix seconds, as in X-Gridwork-Timestamp): "sha256=" and the hex
// HMAC-SHA256 keyed by secret over timestamp + "." + body. Binding the
// timestamp lets receivers refuse replays of old requests.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature is what a receiver written in Go checks: signature is
// Sign(secret, timestamp, body), compared in constant time, and timestamp
// lies within tolerance of now (0 skips the time check).
func VerifySignature(secret, timestamp string, body []byte, signature string, now time.Time, tolerance time.Duration) bool {
	if !strings.HasPrefix(signature, "sha256=") {
		return false
	}
	if tolerance > 0 {
		sec, err := strconv.ParseInt(timestamp, 10, 64)
		if err != nil {
			return false
		}
		if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
			return false
		}
	}
	return hmac.Equal([]byte(signature), []byte(Sign(secret, timestamp, body)))
}
