package people

import (
	"context"
	"fmt"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// rekeyBatch is how many residents Rekey reads at a time.
const rekeyBatch = 1000

// Rekey re-encrypts, under the keyring's current key, the personal data of
// every resident written under a previous key, and recomputes its blind
// indexes (which derive from the master key too), in one transaction. Run
// it once after rotating the master key (NewKeyring(newKey, oldKey)); until
// then, lookups by ID number or phone miss the residents not yet rekeyed.
// Only the system may run it. It returns how many residents it rewrote.
func (s *Service) Rekey(ctx context.Context) (int, error) {
	// The zero resource is reachable by the system actor only.
	if err := auth.Check(ctx, auth.ActResidentPII, auth.Resource{}); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		type stale struct {
			id              int64
			idEnc, phoneEnc []byte
		}
		var after int64
		for {
			rows, err := tx.Query(ctx, `SELECT id, id_number_enc, phone_enc FROM residents WHERE id > $1 ORDER BY id LIMIT $2`, after, rekeyBatch)
			if err != nil {
				return err
			}
			var batch []stale
			read := 0
			for rows.Next() {
				var r stale
				if err := rows.Scan(&r.id, &r.idEnc, &r.phoneEnc); err != nil {
					rows.Close()
					return err
				}
				read++
				after = r.id
				if (r.idEnc != nil && !s.keys.Current(r.idEnc)) || (r.phoneEnc != nil && !s.keys.Current(r.phoneEnc)) {
					batch = append(batch, r)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, r := range batch {
				idNumber, err := s.keys.Decrypt(colIDNumber, r.idEnc)
				if err != nil {
					return fmt.Errorf("resident %d: %w", r.id, err)
				}
				phone, err := s.keys.Decrypt(colPhone, r.phoneEnc)
				if err != nil {
					return fmt.Errorf("resident %d: %w", r.id, err)
				}
				p, err := s.seal(idNumber, phone)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE residents SET id_number_enc = $1, id_number_hash = $2, phone_enc = $3, phone_hash = $4
					WHERE id = $5`, p.idEnc, p.idHash, p.phoneEnc, p.phoneHash, r.id); err != nil {
					return err
				}
				n++
			}
			if read < rekeyBatch {
				return nil
			}
		}
	})
	if err != nil {
		return 0, fmt.Errorf("people: rekey residents: %w", err)
	}
	return n, nil
}
