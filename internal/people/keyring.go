package people

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/hkdf"

	"github.com/gridwork/gridwork/internal/apperr"
)

// KeySize is the length of a master key in bytes (AES-256).
const KeySize = 32

// Ciphertexts written by a Keyring are
//
//	version (1 byte) | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM sealed data
//
// The key id names the master key so that keys can rotate: a keyring holds
// the current key, which encrypts, and previous keys, which still decrypt.
// The column name is the additional data, so a ciphertext copied into
// another column does not decrypt.
const (
	cipherVersion = 1
	keyIDSize     = 4
	nonceSize     = 12
	headerSize    = 1 + keyIDSize + nonceSize
)

// HKDF "info" labels: each derived key has one purpose.
const (
	infoEncrypt = "gridwork/pii/aes-256-gcm/v1"
	infoIndex   = "gridwork/pii/blind-index/v1"
	infoKeyID   = "gridwork/pii/key-id/v1"
)

// Keyring encrypts and decrypts personal data and computes blind indexes.
// It is safe for concurrent use.
type Keyring struct {
	current *dataKey
	keys    map[[keyIDSize]byte]*dataKey
	index   []byte // HMAC-SHA256 key of the blind indexes
}

type dataKey struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
}

// ParseKey decodes a master key written as hex (64 characters) or base64
// (standard or URL alphabet, padded or not); it must decode to exactly 32
// bytes. The error never repeats the key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, apperr.Invalidf("key", "未提供加密密钥", "no encryption key was given")
	}
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KeySize {
			return nil, apperr.Invalidf("key", "加密密钥长度应为32字节，实际为%d字节", "the encryption key must be 32 bytes, it decodes to %d", len(b))
		}
		return b, nil
	}
	return nil, apperr.Invalidf("key", "加密密钥应为32字节的十六进制（64位）或base64编码", "the encryption key must be 32 bytes written as hex (64 characters) or base64")
}

// GenerateKey returns a new random master key in base64, for demo mode.
func GenerateKey() (string, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("people: generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// NewKeyring builds a keyring whose current key derives from master.
// Keys given as previous still decrypt data written under them (key
// rotation); they never encrypt. The blind index derives from master only,
// so rotating the master key means re-encrypting and re-indexing the
// stored data (Service.Rekey).
func NewKeyring(master []byte, previous ...[]byte) (*Keyring, error) {
	k := &Keyring{keys: make(map[[keyIDSize]byte]*dataKey)}
	cur, err := newDataKey(master)
	if err != nil {
		return nil, err
	}
	k.current = cur
	k.keys[cur.id] = cur
	for _, p := range previous {
		dk, err := newDataKey(p)
		if err != nil {
			return nil, err
		}
		if _, dup := k.keys[dk.id]; !dup {
			k.keys[dk.id] = dk
		}
	}
	k.index = derive(master, infoIndex, sha256.Size)
	return k, nil
}

func newDataKey(master []byte) (*dataKey, error) {
	if len(master) != KeySize {
		return nil, apperr.Invalidf("key", "加密密钥长度应为32字节，实际为%d字节", "the encryption key must be 32 bytes, got %d", len(master))
	}
	block, err := aes.NewCipher(derive(master, infoEncrypt, 32))
	if err != nil {
		return nil, fmt.Errorf("people: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("people: gcm: %w", err)
	}
	dk := &dataKey{aead: aead}
	copy(dk.id[:], derive(master, infoKeyID, keyIDSize))
	return dk, nil
}

// derive expands master into an n-byte key for one purpose (HKDF-SHA256).
func derive(master []byte, info string, n int) []byte {
	out := make([]byte, n)
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte(info)), out); err != nil {
		panic("people: hkdf: " + err.Error()) // only for n beyond 255*32 bytes
	}
	return out
}

// KeyID returns the current key's id in hex, safe to log and to store
// beside data (e.g. the demo's settings).
func (k *Keyring) KeyID() string { return hex.EncodeToString(k.current.id[:]) }

// Encrypt seals plaintext for the named column under the current key with a
// fresh random nonce. The empty string encrypts to nil (stored as NULL).
func (k *Keyring) Encrypt(column, plaintext string) ([]byte, error) {
	if plaintext == "" {
		return nil, nil
	}
	out := make([]byte, headerSize, headerSize+len(plaintext)+k.current.aead.Overhead())
	out[0] = cipherVersion
	copy(out[1:], k.current.id[:])
	if _, err := rand.Read(out[1+keyIDSize : headerSize]); err != nil {
		return nil, fmt.Errorf("people: nonce: %w", err)
	}
	return k.current.aead.Seal(out, out[1+keyIDSize:headerSize], []byte(plaintext), []byte(column)), nil
}

// ErrUndecryptable is the cause when a ciphertext is damaged, belongs to
// another column, or was written under a key the keyring does not hold.
var ErrUndecryptable = errors.New("people: ciphertext cannot be decrypted")

// Decrypt opens a ciphertext written by Encrypt for the named column, with
// whichever of the keyring's keys wrote it. nil decrypts to "".
func (k *Keyring) Decrypt(column string, ct []byte) (string, error) {
	if len(ct) == 0 {
		return "", nil
	}
	if len(ct) < headerSize || ct[0] != cipherVersion {
		return "", fmt.Errorf("%w: bad header", ErrUndecryptable)
	}
	var id [keyIDSize]byte
	copy(id[:], ct[1:])
	dk, ok := k.keys[id]
	if !ok {
		return "", fmt.Errorf("%w: unknown key id %x", ErrUndecryptable, id)
	}
	pt, err := dk.aead.Open(nil, ct[1+keyIDSize:headerSize], ct[headerSize:], []byte(column))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUndecryptable, err)
	}
	return string(pt), nil
}

// Current reports whether ct was written under the current key.
func (k *Keyring) Current(ct []byte) bool {
	return len(ct) >= headerSize && [keyIDSize]byte(ct[1:1+keyIDSize]) == k.current.id
}

// BlindIndex returns the HMAC-SHA256 of a normalised value for the named
// column: equal values give equal indexes, so the index supports exact
// lookup and duplicate detection without decrypting, and it reveals nothing
// without the key. The empty string indexes to nil (NULL).
func (k *Keyring) BlindIndex(column, normalised string) []byte {
	if normalised == "" {
		return nil
	}
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(column))
	m.Write([]byte{0})
	m.Write([]byte(normalised))
	return m.Sum(nil)
}
