package category

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// The kinds of department (Department.Kind).
const (
	DeptProperty        = "property"         // 物业公司
	DeptUtility         = "utility"          // 水、电、气、热、通信企业
	DeptPolice          = "police"           // 派出所、警务室
	DeptUrbanManagement = "urban_management" // 城管、市政、园林
	DeptGovernment      = "government"       // 政府部门、街道、居委会
	DeptSocial          = "social"           // 社会组织
	DeptOther           = "other"
)

// DepartmentKinds lists the department kinds in a stable order.
var DepartmentKinds = []string{DeptProperty, DeptUtility, DeptPolice, DeptUrbanManagement, DeptGovernment, DeptSocial, DeptOther}

// ValidDepartmentKind reports whether k is one of DepartmentKinds.
func ValidDepartmentKind(k string) bool {
	for _, x := range DepartmentKinds {
		if x == k {
			return true
		}
	}
	return false
}

// DepartmentKindLabel names a department kind for people.
func DepartmentKindLabel(k string) apperr.Text {
	switch k {
	case DeptProperty:
		return apperr.Text{ZH: "物业企业", EN: "property company"}
	case DeptUtility:
		return apperr.Text{ZH: "公用事业单位", EN: "utility"}
	case DeptPolice:
		return apperr.Text{ZH: "公安", EN: "police"}
	case DeptUrbanManagement:
		return apperr.Text{ZH: "城市管理", EN: "urban management"}
	case DeptGovernment:
		return apperr.Text{ZH: "政府部门", EN: "government"}
	case DeptSocial:
		return apperr.Text{ZH: "社会组织", EN: "social organisation"}
	case DeptOther:
		return apperr.Text{ZH: "其他", EN: "other"}
	}
	return apperr.Text{ZH: k, EN: k}
}

// Department is a body that handles cases, registered at a region and
// serving its subtree: a category names it by Name.
type Department struct {
	ID         int64
	Name       string // e.g. 供热公司; what Category.DepartmentName refers to
	Kind       string // one of DepartmentKinds
	RegionID   int64
	RegionPath string // the region's materialised path
	Phone      string // the office's number ("" when unknown); not personal data
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// DepartmentInput registers a department at a region.
type DepartmentInput struct {
	Name     string
	Kind     string
	RegionID int64
	Phone    string
}

// DepartmentUpdate changes a department; nil fields stay. A department
// does not move: register it again at the other region.
type DepartmentUpdate struct {
	Name  *string
	Kind  *string
	Phone *string // "" clears it
}

// DepartmentFilter selects departments; nil fields do not filter.
type DepartmentFilter struct {
	RegionID     *int64  // registered at exactly this region
	Kind         *string // one of DepartmentKinds
	NameContains *string
	Offset       int
	Limit        int
}

// phonePattern is an office telephone number: digits with optional
// spaces, hyphens, parentheses and a leading +.
var phonePattern = regexp.MustCompile(`^\+?[0-9 ()\-]{3,24}$`)

// checkDepartment trims and checks a department's fields.
func checkDepartment(name, kind, phone string) (string, string, string, error) {
	name, kind, phone = strings.TrimSpace(name), strings.TrimSpace(kind), strings.TrimSpace(phone)
	var errs apperr.List
	switch n := len([]rune(name)); {
	case n == 0:
		errs = append(errs, apperr.Invalidf("name", "部门名称不能为空", "the department name is required"))
	case n > 50:
		errs = append(errs, apperr.Invalidf("name", "部门名称过长（最多 50 字）", "the department name is too long (at most 50 characters)"))
	}
	if !ValidDepartmentKind(kind) {
		errs = append(errs, apperr.Invalidf("kind", "部门类型“%s”无效（应为 %s）", "department kind %q is not valid (one of %s)",
			kind, strings.Join(DepartmentKinds, ", ")))
	}
	if phone != "" && !phonePattern.MatchString(phone) {
		errs = append(errs, apperr.Invalidf("phone", "电话号码格式有误", "the phone number is malformed"))
	}
	if len(errs) > 0 {
		return "", "", "", oneOrList(errs)
	}
	return name, kind, phone, nil
}

// departmentCols are the columns scanDepartment reads, in order.
const departmentCols = `id, name, kind, region_id, region_path, phone, created_at, updated_at`

func scanDepartment(sc sqldb.Scanner) (*Department, error) {
	var d Department
	if err := sc.Scan(&d.ID, &d.Name, &d.Kind, &d.RegionID, &d.RegionPath, &d.Phone, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

func departmentByID(ctx context.Context, q sqldb.Querier, id int64) (*Department, error) {
	d, err := scanDepartment(q.QueryRow(ctx, `SELECT `+departmentCols+` FROM departments WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("部门 %d 不存在", "department %d not found", id)
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return d, nil
}

func queryDepartments(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]*Department, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Department
	for rows.Next() {
		d, err := scanDepartment(rows)
		if err != nil {
			return nil, sqldb.Translate(err)
		}
		out = append(out, d)
	}
	return out, sqldb.Translate(rows.Err())
}

// pathPattern is a materialised path: "/1/4/17/".
var pathPattern = regexp.MustCompile(`^/([0-9]+/)+$`)

// ancestorsOf returns path and the paths above it, nearest first:
// "/1/4/17/" → "/1/4/17/", "/1/4/", "/1/".
func ancestorsOf(path string) []string {
	var out []string
	for p := path; p != "" && p != "/"; {
		out = append(out, p)
		t := strings.TrimSuffix(p, "/")
		i := strings.LastIndex(t, "/")
		if i < 0 {
			break
		}
		p = t[:i+1]
	}
	return out
}
