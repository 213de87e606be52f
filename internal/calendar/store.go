package calendar

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// loadAll reads every year (with its override count) and every override,
// in one statement so that the two agree.
func loadAll(ctx context.Context, q sqldb.Querier) ([]Year, []Day, error) {
	rows, err := q.Query(ctx, `
		SELECT y.year, y.source, y.created_at, y.updated_at, d.day, d.kind, d.name
		FROM calendar_years y LEFT JOIN calendar_days d ON d.year = y.year
		ORDER BY y.year, d.day`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var years []Year
	var days []Day
	for rows.Next() {
		var y Year
		var day sql.NullTime
		var kind, name sql.NullString
		if err := rows.Scan(&y.Year, &y.Source, &y.CreatedAt, &y.UpdatedAt, &day, &kind, &name); err != nil {
			return nil, nil, sqldb.Translate(err)
		}
		if len(years) == 0 || years[len(years)-1].Year != y.Year {
			y.CreatedAt, y.UpdatedAt = y.CreatedAt.UTC(), y.UpdatedAt.UTC()
			years = append(years, y)
		}
		if day.Valid {
			years[len(years)-1].Days++
			days = append(days, Day{Date: DateOf(day.Time.UTC()), Kind: Kind(kind.String), Name: name.String})
		}
	}
	return years, days, sqldb.Translate(rows.Err())
}

// yearExists reports whether year has been entered.
func yearExists(ctx context.Context, q sqldb.Querier, year int) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT year FROM calendar_years WHERE year = $1`, year).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, sqldb.Translate(err)
}

// insertYear adds a year unless it exists; it reports whether it did.
func insertYear(ctx context.Context, tx *sqldb.Tx, year int, source string) (bool, error) {
	var y int
	err := tx.QueryRow(ctx, `
		INSERT INTO calendar_years (year, source, created_at, updated_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (year) DO NOTHING RETURNING year`, year, source, tx.Now).Scan(&y)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, sqldb.Translate(err)
}

// touchYear records a change to a year's days.
func touchYear(ctx context.Context, tx *sqldb.Tx, year int) error {
	_, err := tx.Exec(ctx, `UPDATE calendar_years SET updated_at = $2 WHERE year = $1`, year, tx.Now)
	return err
}

// upsertDay sets a day's override, replacing any it had.
func upsertDay(ctx context.Context, tx *sqldb.Tx, d Day) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO calendar_days (day, year, kind, name, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, updated_at = excluded.updated_at`,
		d.Date, d.Date.Year(), string(d.Kind), d.Name, tx.Now)
	return err
}

// deleteDay removes a day's override; it reports whether there was one.
func deleteDay(ctx context.Context, tx *sqldb.Tx, date time.Time) (bool, error) {
	res, err := tx.Exec(ctx, `DELETE FROM calendar_days WHERE day = $1`, date)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// deleteDaysOfYear removes every override of a year.
func deleteDaysOfYear(ctx context.Context, tx *sqldb.Tx, year int) error {
	_, err := tx.Exec(ctx, `DELETE FROM calendar_days WHERE year = $1`, year)
	return err
}

// insertDays writes overrides of years that have none left.
func insertDays(ctx context.Context, tx *sqldb.Tx, days []Day) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO calendar_days (day, year, kind, name, updated_at) VALUES ($1, $2, $3, $4, $5)`)
	if err != nil {
		return sqldb.Translate(err)
	}
	defer st.Close()
	for _, d := range days {
		if _, err := st.ExecContext(ctx, d.Date, d.Date.Year(), string(d.Kind), d.Name, tx.Now); err != nil {
			return sqldb.Translate(err)
		}
	}
	return nil
}

// countyOrAbove reports whether any of the region paths is a city or
// county: the calendar is national, so only administrators at that level
// edit it.
func countyOrAbove(ctx context.Context, q sqldb.Querier, paths []string) (bool, error) {
	if len(paths) == 0 {
		return false, nil
	}
	w := &sqldb.Where{}
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM regions WHERE level IN ('city', 'county') AND path IN (`+sqldb.ArgList(w, paths)+`)`, w.Args()...).Scan(&n)
	if err != nil {
		return false, sqldb.Translate(err)
	}
	return n > 0, nil
}

// notFoundYear is the error for a year that has not been entered.
func notFoundYear(year int) error {
	return apperr.NotFoundf("%d年的工作日历尚未录入", "no work calendar for %d yet", year)
}
