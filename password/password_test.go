package password

import "testing"

func TestHashCheck(t *testing.T) {
	h, err := Hash("pw-lc-Secret1")
	if err != nil {
		t.Fatal(err)
	}
	if !Check(h, "pw-lc-Secret1") {
		t.Error("right password rejected")
	}
	if Check(h, "pw-lc-Secret2") {
		t.Error("wrong password accepted")
	}
	h2, _ := Hash("pw-lc-Secret1")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA"} {
		if Check(bad, "x") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
	if CheckNone("x") {
		t.Error("CheckNone returned true")
	}
}

func TestStrong(t *testing.T) {
	for pw, ok := range map[string]bool{"short1A": false, "alllowercase": false, "lower123": false, "Lower123": true, "pw-lc-Secret1": true} {
		if got := Strong(pw) == ""; got != ok {
			t.Errorf("Strong(%q) ok = %v, want %v", pw, got, ok)
		}
	}
}
