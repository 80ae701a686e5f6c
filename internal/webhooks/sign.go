package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// secretPrefix starts a signing secret as shown: whsec_ and the key in
// standard base64, as the Standard Webhooks libraries read it.
const secretPrefix = "whsec_"

// signature is the webhook-signature header: version 1, the base64
// HMAC-SHA256 of "id.timestamp.body" under the secret's bytes.
func signature(key []byte, id string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(at.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// showSecret is how a key is shown, once, to whoever created the endpoint.
func showSecret(key []byte) string { return secretPrefix + base64.StdEncoding.EncodeToString(key) }

// messageID is a message's webhook-id, the same on every attempt and
// for every endpoint: receivers deduplicate by it.
func messageID(id uuid.UUID) string { return "msg_" + id.String() }
