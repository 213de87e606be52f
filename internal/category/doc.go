// Package category holds the case-category dictionary (案件分类), the
// departments that handle cases (职能部门) and the time-limit policies
// (时限) of the case loop (DESIGN §3).
//
// # The dictionary
//
// Categories form a tree through their parent codes; each carries its kind
// (component 部件, event 事件, social 综治, hotline 热线, request_nature 诉求性质),
// names in Chinese and English, its filing and closing conditions, the name
// of its responsible department, its default handling limits, the source the
// row rests on, an icon for the pickers, and two flags: Local (a row of this
// deployment, not of the standard) and Active (retired rows stay for the
// cases that reference them).
//
// SeedDefaults loads two embedded files. data/categories.csv is a copy of
// the shared seed (see data/categories.md beside the original): its C (部件)
// and E (事件) codes are those of GB/T 47678.5-2026 as transcribed in a
// public repository (Jackyhellolove/city-inspection-ai,
// supabase-gb47678.5-directory.sql @ 088839d9) — the standard itself could
// not be opened, so number, title and wording are unverified; its S (综治)
// and N (诉求性质) codes are Gridwork's own, since no national code exists.
// Its conditions are paraphrases, and its few departments and limits are one
// city's examples (they differ between cities by a factor of two or more),
// not national values. data/local.csv adds Gridwork's demo rows, all flagged
// local with codes starting with L: emergencies (突发事件), public-order
// sub-classes, livelihood services (民生服务), the 12345 hotline's subject
// classes and the request nature 表扬/感谢; their conditions, departments and
// limits are demo values from common practice, as their source column says.
// A deployment should edit both to its city's own 立案结案标准.
//
// Local codes start with "L" and standard codes never do, so a local row
// cannot collide with a standard one now or in a later edition. A row that
// is referenced (by a sub-category, a policy or a case) or that comes from
// the seed is retired rather than deleted, and its code never changes.
//
// # Departments
//
// A department is registered at a region and serves its subtree. A category
// names its department by name (DepartmentName, e.g. 供热公司); DepartmentFor
// routes a case to the department of that name registered nearest above the
// case's region.
//
// # Time limits
//
// Policies are rows per category × urgency × tier × step, each of which may
// be "any"; LimitFor picks the most specific and falls back to the defaults
// of DESIGN §3 and the category's own limits.
//
// # The snapshot
//
// LimitFor, DepartmentFor and FindCategoryByCode run for every intake and
// timer tick, so they read an in-memory snapshot of the dictionary, the
// policies and the departments rather than the database. Edits through the
// Service drop it when they commit; edits by another process (several serve
// processes on one PostgreSQL) show within a minute, except a category code
// the snapshot lacks, which is looked up at once.
//
// # Permissions
//
// The dictionary and the policies are reference data without a region.
// The lookups every intake needs — FindCategoryByCode, FindCategories,
// LimitFor and the routing DepartmentFor — check no permission, like
// calendar.Current: an anonymous resident's report needs them too, and they
// reveal nothing of any region. The administration views (export, policy
// lists) need region.read somewhere; changing the dictionary or the
// policies needs region.write at a county (or city) scope, or the system.
// Departments belong to a region: region.write there to change them and
// their members; region.read inside or below their region to see them.
package category
