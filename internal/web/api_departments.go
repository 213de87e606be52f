package web

import (
	"net/http"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/category"
)

// departmentJSON is a department that handles cases, registered at a
// region and serving its subtree.
type departmentJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	RegionID   int64     `json:"region_id"`
	RegionPath string    `json:"region_path"`
	Phone      string    `json:"phone"` // the office's number, "" when unknown
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toDepartmentJSON(d *category.Department) departmentJSON {
	return departmentJSON{ID: d.ID, Name: d.Name, Kind: d.Kind, RegionID: d.RegionID, RegionPath: d.RegionPath,
		Phone: d.Phone, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

type departmentInputJSON struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	RegionID int64  `json:"region_id"`
	Phone    string `json:"phone,omitempty"`
}

// departmentUpdateJSON changes a department; absent fields stay. A
// department does not move to another region.
type departmentUpdateJSON struct {
	Name  *string `json:"name"`
	Kind  *string `json:"kind"`
	Phone *string `json:"phone"`
}

// departmentMembersJSON are the accounts acting for a department.
type departmentMembersJSON struct {
	DepartmentID int64   `json:"department_id"`
	UserIDs      []int64 `json:"user_ids"`
}

type memberRequest struct {
	UserID int64 `json:"user_id"`
}

func (s *Server) handleListDepartments(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 1000)
	if err != nil {
		return err
	}
	f := category.DepartmentFilter{Limit: limit, Offset: offset, NameContains: optString(r, "name")}
	if f.RegionID, err = optID(r, "region_id"); err != nil {
		return err
	}
	if k := optString(r, "kind"); k != nil {
		if !category.ValidDepartmentKind(*k) {
			return apperr.Invalidf("kind", "部门类型“%s”无效", "department kind %q is not valid", *k)
		}
		f.Kind = k
	}
	list, total, err := s.category.FindDepartments(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, list, total, limit, offset, toDepartmentJSON)
	return nil
}

func (s *Server) handleGetDepartment(w http.ResponseWriter, r *http.Request) error {
	return writeFound(w, r, s.category.FindDepartmentByID, toDepartmentJSON)
}

func (s *Server) handleCreateDepartment(w http.ResponseWriter, r *http.Request) error {
	var in departmentInputJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.RegionID <= 0 {
		return apperr.Invalidf("region_id", "请指定部门所属的区域", "region_id is required")
	}
	d, err := s.category.CreateDepartment(r.Context(), category.DepartmentInput{Name: in.Name, Kind: in.Kind, RegionID: in.RegionID, Phone: in.Phone})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toDepartmentJSON(d))
	return nil
}

func (s *Server) handleUpdateDepartment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in departmentUpdateJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	d, err := s.category.UpdateDepartment(r.Context(), id, category.DepartmentUpdate{Name: in.Name, Kind: in.Kind, Phone: in.Phone})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toDepartmentJSON(d))
	return nil
}

func (s *Server) handleDeleteDepartment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.category.DeleteDepartment(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleListMembers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ids, err := s.category.FindMembers(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, departmentMembersJSON{DepartmentID: id, UserIDs: nonNil(ids)})
	return nil
}

func (s *Server) handleAddMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in memberRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.UserID <= 0 {
		return apperr.Invalidf("user_id", "请指定用户", "user_id is required")
	}
	if err := s.category.AddMember(r.Context(), id, in.UserID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleRemoveMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := s.category.RemoveMember(r.Context(), id, uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
