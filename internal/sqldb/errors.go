package sqldb

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Translate maps driver errors to apperr codes: a unique violation becomes
// Conflict, a foreign-key or check violation Invalid, sql.ErrNoRows NotFound.
// Other errors pass through unchanged; nil stays nil.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if apperr.As(err) != nil {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, apperr.NotFound, "", "记录不存在", "record not found")
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return apperr.Wrap(err, apperr.Conflict, columnOf(pg.ConstraintName), "记录已存在（重复）", "a record with the same key already exists")
		case "23503":
			return apperr.Wrap(err, apperr.Invalid, columnOf(pg.ConstraintName), "引用的记录不存在或仍被引用", "a referenced record does not exist or is still referenced")
		case "23514", "23502":
			return apperr.Wrap(err, apperr.Invalid, pg.ColumnName, "数据不符合约束", "the data violates a constraint")
		case "40001", "40P01":
			return apperr.Wrap(err, apperr.Conflict, "", "并发冲突，请重试", "concurrent update, please retry")
		}
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return apperr.Wrap(err, apperr.Conflict, sqliteColumn(se.Error()), "记录已存在（重复）", "a record with the same key already exists")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return apperr.Wrap(err, apperr.Invalid, "", "引用的记录不存在或仍被引用", "a referenced record does not exist or is still referenced")
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return apperr.Wrap(err, apperr.Invalid, sqliteColumn(se.Error()), "数据不符合约束", "the data violates a constraint")
		}
	}
	return err
}

// columnOf guesses the column from a constraint name such as
// "regions_code_key" → "code". Good enough for a field hint.
func columnOf(constraint string) string {
	parts := strings.Split(constraint, "_")
	if len(parts) >= 3 {
		return strings.Join(parts[1:len(parts)-1], "_")
	}
	return ""
}

// sqliteColumn takes the column from "UNIQUE constraint failed: regions.code".
func sqliteColumn(msg string) string {
	i := strings.LastIndex(msg, ": ")
	if i < 0 {
		return ""
	}
	col := msg[i+2:]
	if j := strings.Index(col, ","); j >= 0 {
		col = col[:j]
	}
	if j := strings.LastIndex(col, "."); j >= 0 {
		col = col[j+1:]
	}
	if j := strings.IndexAny(col, " )"); j >= 0 {
		col = col[:j]
	}
	return col
}
