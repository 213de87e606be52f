package people_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/people"
)

func TestKeyringRoundTrip(t *testing.T) {
	k, err := people.NewKeyring(testKey)
	if err != nil {
		t.Fatal(err)
	}
	const id = "11010519491231002X"
	a, err := k.Encrypt("id_number", id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Encrypt("id_number", id)
	if bytes.Equal(a, b) {
		t.Error("two encryptions of one value are equal: the nonce is not random")
	}
	if bytes.Contains(a, []byte(id)) || bytes.Contains(a, []byte("19491231")) {
		t.Error("ciphertext contains the plaintext")
	}
	for _, ct := range [][]byte{a, b} {
		if got, err := k.Decrypt("id_number", ct); err != nil || got != id {
			t.Errorf("Decrypt = %q, %v; want %q", got, err, id)
		}
	}
	if _, err := k.Decrypt("phone", a); !errors.Is(err, people.ErrUndecryptable) {
		t.Errorf("decrypting under another column: %v, want ErrUndecryptable", err)
	}
	tampered := bytes.Clone(a)
	tampered[len(tampered)-1] ^= 1
	if _, err := k.Decrypt("id_number", tampered); !errors.Is(err, people.ErrUndecryptable) {
		t.Errorf("decrypting a tampered ciphertext: %v, want ErrUndecryptable", err)
	}
	if ct, err := k.Encrypt("phone", ""); ct != nil || err != nil {
		t.Errorf("Encrypt(\"\") = %v, %v; want nil", ct, err)
	}
	if s, err := k.Decrypt("phone", nil); s != "" || err != nil {
		t.Errorf("Decrypt(nil) = %q, %v", s, err)
	}

	// Blind indexes: deterministic, per column, keyed.
	if !bytes.Equal(k.BlindIndex("id_number", id), k.BlindIndex("id_number", id)) {
		t.Error("blind index is not deterministic")
	}
	if bytes.Equal(k.BlindIndex("id_number", id), k.BlindIndex("phone", id)) {
		t.Error("blind indexes of two columns coincide")
	}
	other, _ := people.NewKeyring(bytes.Repeat([]byte{7}, 32))
	if bytes.Equal(k.BlindIndex("id_number", id), other.BlindIndex("id_number", id)) {
		t.Error("blind index does not depend on the key")
	}
	if _, err := other.Decrypt("id_number", a); !errors.Is(err, people.ErrUndecryptable) {
		t.Errorf("decrypting with another key: %v, want ErrUndecryptable", err)
	}
}

func TestKeyringRotation(t *testing.T) {
	oldMaster := bytes.Repeat([]byte{1}, 32)
	newMaster := bytes.Repeat([]byte{2}, 32)
	old, _ := people.NewKeyring(oldMaster)
	ct, _ := old.Encrypt("phone", "13812345678")
	rotated, err := people.NewKeyring(newMaster, oldMaster)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Decrypt("phone", ct); err != nil || got != "13812345678" {
		t.Fatalf("old ciphertext under the rotated keyring: %q, %v", got, err)
	}
	if rotated.Current(ct) {
		t.Error("an old ciphertext reported as current")
	}
	fresh, _ := rotated.Encrypt("phone", "13812345678")
	if !rotated.Current(fresh) || rotated.KeyID() == old.KeyID() {
		t.Error("new ciphertexts are not written under the new key")
	}
}

func TestParseAndGenerateKey(t *testing.T) {
	s, err := people.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := people.ParseKey(s)
	if err != nil || len(k) != 32 {
		t.Fatalf("ParseKey(GenerateKey()) = %d bytes, %v", len(k), err)
	}
	if k2, err := people.ParseKey(hex.EncodeToString(testKey)); err != nil || !bytes.Equal(k2, testKey) {
		t.Errorf("hex key: %v", err)
	}
	if k2, err := people.ParseKey(base64.RawURLEncoding.EncodeToString(testKey)); err != nil || !bytes.Equal(k2, testKey) {
		t.Errorf("raw url base64 key: %v", err)
	}
	for _, bad := range []string{"", "short", base64.StdEncoding.EncodeToString(make([]byte, 16)), hex.EncodeToString(make([]byte, 31)) + "zz"} {
		if _, err := people.ParseKey(bad); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("ParseKey(%q) = %v, want invalid", bad, err)
		}
	}
	if _, err := people.NewKeyring(make([]byte, 16)); err == nil {
		t.Error("NewKeyring accepted a 16-byte key")
	}
}
