package people_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
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

func TestRekeyAfterRotation(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		old := newService(t, db)
		admin := as(1, "管理员", auth.RoleAdmin, district)
		r, err := old.CreateResident(admin, people.ResidentInput{HouseholdID: householdA, Name: "王秀英", IDNumber: classicID,
			Phone: "13812345678", Relation: people.RelationHead})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.CreateResident(admin, people.ResidentInput{RegionID: gridB, Name: "无证件"}); err != nil {
			t.Fatal(err)
		}
		newMaster := bytes.Repeat([]byte{9}, 32)
		keys, err := people.NewKeyring(newMaster, testKey)
		if err != nil {
			t.Fatal(err)
		}
		s := people.NewService(db, keys)
		// Before rekeying the old data still decrypts, but lookups miss it.
		if got, err := s.FindResidentByID(admin, r.ID); err != nil || got.Phone != "138****5678" {
			t.Fatalf("old data under the rotated keyring: %+v, %v", got, err)
		}
		if _, n, _ := s.FindResidents(admin, people.ResidentFilter{IDNumber: classicID}); n != 0 {
			t.Errorf("lookup before rekeying found %d", n)
		}
		if _, err := s.Rekey(admin); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("Rekey by an admin: %v, want forbidden", err)
		}
		if n, err := s.Rekey(system()); err != nil || n != 1 {
			t.Fatalf("Rekey = %d, %v; want 1 resident rewritten", n, err)
		}
		if _, n, _ := s.FindResidents(admin, people.ResidentFilter{IDNumber: classicID}); n != 1 {
			t.Errorf("lookup after rekeying found %d, want 1", n)
		}
		// The new key alone now reads everything.
		alone, _ := people.NewKeyring(newMaster)
		pii, err := people.NewService(db, alone).RevealResident(admin, r.ID, "轮换后核对")
		if err != nil || pii.IDNumber != classicID || pii.Phone != "13812345678" {
			t.Errorf("reveal with the new key only: %+v, %v", pii, err)
		}
		if n, err := s.Rekey(system()); err != nil || n != 0 {
			t.Errorf("second Rekey = %d, %v; want 0", n, err)
		}
	})
}
