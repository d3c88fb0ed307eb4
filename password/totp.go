package password

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters (RFC 6238 defaults, which every authenticator app
// understands): HMAC-SHA-1, 30-second steps, 6 digits.
const (
	TOTPStep   = 30 * time.Second
	TOTPDigits = 6
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a fresh random 160-bit secret in base32, as
// authenticator apps take it.
func NewTOTPSecret() string {
	var b [20]byte
	rand.Read(b[:])
	return b32.EncodeToString(b[:])
}

// hotp is RFC 4226's HOTP value of key at counter, digits long, over h.
func hotp(h func() hash.Hash, key []byte, counter uint64, digits int) string {
	mac := hmac.New(h, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, code%mod)
}

// TOTPStepAt is the RFC 6238 time step counter of t.
func TOTPStepAt(t time.Time) int64 { return t.Unix() / int64(TOTPStep/time.Second) }

// decodeSecret reads a base32 secret, tolerating spaces, lower case and
// padding as people copy it.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.ReplaceAll(secret, " ", ""))
	return b32.DecodeString(strings.TrimRight(s, "="))
}

// TOTP returns the 6-digit code of secret (base32) at t.
func TOTP(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil || len(key) == 0 {
		return "", fmt.Errorf("totp: bad secret")
	}
	return hotp(sha1.New, key, uint64(TOTPStepAt(t)), TOTPDigits), nil
}

// CheckTOTP reports whether code is secret's code at t or one step either
// side (clock drift), and at which step it matched, so that a caller can
// refuse a code used before (replay). It compares in constant time.
func CheckTOTP(secret, code string, t time.Time) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != TOTPDigits {
		return 0, false
	}
	key, err := decodeSecret(secret)
	if err != nil || len(key) == 0 {
		return 0, false
	}
	now := TOTPStepAt(t)
	for _, s := range []int64{now - 1, now, now + 1} {
		if subtle.ConstantTimeCompare([]byte(hotp(sha1.New, key, uint64(s), TOTPDigits)), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPURI is the otpauth:// URI authenticator apps read (as a QR code or
// typed in): issuer and account label the entry.
func TOTPURI(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// NewRecoveryCodes returns n one-time recovery codes, "xxxxx-xxxxx" in
// lower-case base32 (50 bits each).
func NewRecoveryCodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		var b [7]byte
		rand.Read(b[:])
		s := strings.ToLower(b32.EncodeToString(b[:]))[:10]
		out[i] = s[:5] + "-" + s[5:]
	}
	return out
}

// HashRecoveryCode is what a recovery code is stored as: the SHA-256 of its
// normal form (lower case, without spaces or dashes). The codes are random
// and long, so a fast hash does not make them guessable.
func HashRecoveryCode(code string) string {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte("gongfu-recovery:" + c))
	return hex.EncodeToString(sum[:])
}

// IsRecoveryCode reports whether s has the shape of a recovery code rather
// than a TOTP code.
func IsRecoveryCode(s string) bool {
	c := strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s))
	return len(c) == 10
}
