package category_test

import (
	"testing"

	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// A PostgreSQL test database costs a second to migrate, so the scenarios
// share one database per group, in order; a group holds scenarios that
// leave nothing behind that a later one of the group would trip over.
type scenario struct {
	name string
	fn   func(t *testing.T, w *world)
}

// runGroup runs scenarios in order on one world per engine; seed says
// whether the world starts with the seeded dictionary.
func runGroup(t *testing.T, seed bool, scenarios ...scenario) {
	t.Helper()
	t.Parallel()
	sqldbtest.Engines(t, opts(), func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		if seed {
			w = seededWorld(t, w)
		}
		for _, s := range scenarios {
			if !t.Run(s.name, func(t *testing.T) { s.fn(t, w) }) {
				return
			}
		}
	})
}

func TestSeed(t *testing.T) {
	runGroup(t, false,
		scenario{"loads a consistent tree", testSeedLoadsConsistentTree},
		scenario{"keeps administrator edits", testSeedKeepsAdministratorEdits})
}

func TestDictionary(t *testing.T) {
	runGroup(t, true,
		scenario{"export and import round trip", testExportImportRoundTrip},
		scenario{"import header errors", testImportHeaderErrors},
		scenario{"import with bad rows writes nothing", testImportWithBadRowsWritesNothing},
		scenario{"import creates and updates", testImportCreatesAndUpdates},
		scenario{"create, update, delete", testCategoryCRUD})
}

func TestLimits(t *testing.T) {
	runGroup(t, true,
		scenario{"bad input", testLimitForBadInput},
		scenario{"defaults", testLimitForDefaults},
		scenario{"precedence", testLimitForPrecedence},
		scenario{"policy create, update, delete", testTimeLimitCRUD})
}

func TestDepartments(t *testing.T) {
	runGroup(t, true,
		scenario{"routing", testDepartmentFor},
		scenario{"create, update, delete, members", testDepartmentCRUDAndMembers})
}

func TestScopes(t *testing.T) {
	runGroup(t, true,
		scenario{"administration reads", testAdministrationReads},
		scenario{"dictionary writes need a county", testDictionaryWritesNeedACounty},
		scenario{"department writes are scoped", testDepartmentWritesAreScoped})
}
