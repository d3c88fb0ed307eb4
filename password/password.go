// Package password hashes and checks account passwords with argon2id
// (RFC 9106), in the PHC string format so that parameters can be raised later
// without invalidating stored hashes. The parameters follow OWASP's minimum
// for argon2id (19 MiB, 2 passes, 1 lane): strong enough for an intranet
// system, cheap enough that a deadline-day burst of logins does not exhaust
// the server's memory.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"gongfu"
)

// Parameters of new hashes.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	saltLen   = 16
	keyLen    = 32
)

var b64 = base64.RawStdEncoding

// Hash returns the argon2id PHC string of pw with a fresh random salt.
func Hash(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, passes, memoryKiB, lanes, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memoryKiB, passes, lanes, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Check reports whether pw matches hash. A malformed hash never matches.
func Check(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 || len(key) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// dummy is checked against when a login names no account, so that a wrong
// user name costs as much time as a wrong password and does not reveal
// which accounts exist.
var dummy, _ = Hash("gongfu-dummy-password")

// CheckNone spends the time of one Check and returns false.
func CheckNone(pw string) bool {
	Check(dummy, pw)
	return false
}

// Strong reports why pw is too weak, or "" when it is acceptable: at least 8
// characters with at least three of lower case, upper case, digits and
// symbols (the complexity rule of GB/T 22239-2019 reviews).
func Strong(pw string) string {
	if len([]rune(pw)) < 8 {
		return gongfu.Detailf("密码至少 %d 位", 8)
	}
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= '0' && r <= '9':
			digit = 1
		default:
			other = 1
		}
	}
	if lower+upper+digit+other < 3 {
		return gongfu.Detail("密码需包含大写字母、小写字母、数字、符号中的至少三类")
	}
	return ""
}
