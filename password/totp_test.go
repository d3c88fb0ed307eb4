package password

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"
	"testing"
	"time"
)

// TestTOTPVectors checks the algorithm against RFC 6238 appendix B (8-digit
// codes; the SHA-256 and SHA-512 seeds are the SHA-1 seed repeated).
func TestTOTPVectors(t *testing.T) {
	seed := "12345678901234567890"
	keys := map[string]struct {
		h   func() hash.Hash
		key string
	}{
		"SHA1":   {sha1.New, seed},
		"SHA256": {sha256.New, strings.Repeat(seed, 2)[:32]},
		"SHA512": {sha512.New, strings.Repeat(seed, 4)[:64]},
	}
	for _, tc := range []struct {
		unix int64
		mode string
		want string
	}{
		{59, "SHA1", "94287082"}, {59, "SHA256", "46119246"}, {59, "SHA512", "90693936"},
		{1111111109, "SHA1", "07081804"}, {1111111109, "SHA256", "68084774"}, {1111111109, "SHA512", "25091201"},
		{1111111111, "SHA1", "14050471"}, {1111111111, "SHA256", "67062674"}, {1111111111, "SHA512", "99943326"},
		{1234567890, "SHA1", "89005924"}, {1234567890, "SHA256", "91819424"}, {1234567890, "SHA512", "93441116"},
		{2000000000, "SHA1", "69279037"}, {2000000000, "SHA256", "90698825"}, {2000000000, "SHA512", "38618901"},
		{20000000000, "SHA1", "65353130"}, {20000000000, "SHA256", "77737706"}, {20000000000, "SHA512", "47863826"},
	} {
		k := keys[tc.mode]
		step := uint64(TOTPStepAt(time.Unix(tc.unix, 0)))
		if got := hotp(k.h, []byte(k.key), step, 8); got != tc.want {
			t.Errorf("%s at %d = %s, want %s", tc.mode, tc.unix, got, tc.want)
		}
	}
}

func TestTOTPPublic(t *testing.T) {
	secret := b32.EncodeToString([]byte("12345678901234567890"))
	at := time.Unix(1111111109, 0)
	code, err := TOTP(secret, at)
	if err != nil || code != "081804" { // the 6 low digits of the vector
		t.Fatalf("TOTP = %q, %v", code, err)
	}
	if step, ok := CheckTOTP(secret, code, at); !ok || step != TOTPStepAt(at) {
		t.Errorf("CheckTOTP of the current code = %d, %v", step, ok)
	}
	if _, ok := CheckTOTP(strings.ToLower(secret), code, at.Add(TOTPStep)); !ok {
		t.Errorf("a code one step old (and a lower-case secret) is refused")
	}
	if _, ok := CheckTOTP(secret, code, at.Add(3*TOTPStep)); ok {
		t.Errorf("a code three steps old is accepted")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := CheckTOTP(secret, bad, at); ok {
			t.Errorf("CheckTOTP(%q) accepted", bad)
		}
	}
	if _, ok := CheckTOTP("!!!", code, at); ok {
		t.Errorf("a bad secret matched")
	}
	s := NewTOTPSecret()
	if len(s) != 32 || s == NewTOTPSecret() {
		t.Errorf("NewTOTPSecret = %q", s)
	}
	uri := TOTPURI("gongfu", "admin", s)
	if !strings.HasPrefix(uri, "otpauth://totp/gongfu:admin?") || !strings.Contains(uri, "secret="+s) {
		t.Errorf("URI %q", uri)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes := NewRecoveryCodes(10)
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 11 || c[5] != '-' || !IsRecoveryCode(c) || seen[c] {
			t.Errorf("code %q", c)
		}
		seen[c] = true
		if HashRecoveryCode(c) != HashRecoveryCode(" "+strings.ToUpper(strings.ReplaceAll(c, "-", ""))+" ") {
			t.Errorf("the hash of %q depends on case, dashes or spaces", c)
		}
	}
	if IsRecoveryCode("123456") {
		t.Errorf("a TOTP code looks like a recovery code")
	}
}
