package web

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/media"
)

// attachmentJSON is an uploaded photo.
type attachmentJSON struct {
	ID               int64     `json:"id"`
	ContentType      string    `json:"content_type"`
	Size             int64     `json:"size"`
	Width            int       `json:"width"`
	Height           int       `json:"height"`
	LocationStripped bool      `json:"location_stripped"`
	SHA256           string    `json:"sha256"`
	CreatedAt        time.Time `json:"created_at"`
}

func toAttachmentJSON(a *media.Attachment) attachmentJSON {
	return attachmentJSON{ID: a.ID, ContentType: a.ContentType, Size: a.Size, Width: a.Width, Height: a.Height,
		LocationStripped: a.LocationStripped, SHA256: a.SHA256, CreatedAt: a.CreatedAt}
}

// handleUploadPhoto takes one photo (multipart field "photo"; form value
// keep_location=true keeps its location metadata). Signed-in users and
// anonymous reporters may upload; each address only so often.
func (s *Server) handleUploadPhoto(w http.ResponseWriter, r *http.Request) error {
	if _, ok := auth.ActorFrom(r.Context()); !ok && !s.intakeLimit.Allow(clientIP(r), s.now()) {
		return apperr.New(apperr.TooMany, "", "上传过于频繁，请稍后再试", "too many uploads from this address; try again later")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 12<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return apperr.Invalidf("photo", "请以 multipart/form-data 上传照片", "upload the photo as multipart/form-data")
	}
	keep := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return apperr.Invalidf("photo", "请选择照片", "choose a photo")
		}
		if err != nil {
			return apperr.Invalidf("photo", "照片上传失败或超过大小限制", "the upload failed or is too large")
		}
		switch part.FormName() {
		case "keep_location":
			b, _ := io.ReadAll(io.LimitReader(part, 8))
			keep, _ = strconv.ParseBool(string(b))
		case "photo":
			a, err := s.media.Upload(r.Context(), part, keep)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, toAttachmentJSON(a))
			return nil
		}
	}
}

// handleGetPhoto serves a photo to whoever may see a case it belongs to, or
// to its uploader.
func (s *Server) handleGetPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cases.CheckAttachment(r.Context(), id); err != nil {
		return err
	}
	a, rc, err := s.media.Open(r.Context(), id)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	_, err = io.Copy(w, rc)
	if err != nil {
		s.log.WarnContext(r.Context(), "photo copy", "err", err, "attachment", id)
	}
	return nil
}
