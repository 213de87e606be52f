package cases

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
)

// Limits on what people type.
const (
	maxTitle       = 100
	maxDescription = 2000
	maxNote        = 2000
	maxReason      = 500
	maxComment     = 500
	maxName        = 64
	maxKey         = 128
	maxTicket      = 64
	maxAttachments = 9
)

// text trims s and checks it: printable, at most max characters, present
// when required. label names the field for people.
func text(field string, label apperr.Text, s string, required bool, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return "", apperr.Invalidf(field, "请填写%[1]s", "%[2]s is required", label.ZH, label.EN)
		}
		return "", nil
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
		return "", apperr.Invalidf(field, "%[1]s含有无效字符", "%[2]s contains invalid characters", label.ZH, label.EN)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", apperr.Invalidf(field, "%[1]s不能超过%[3]d个字符（现有%[4]d个）", "%[2]s must be at most %[3]d characters, not %[4]d",
			label.ZH, label.EN, max, n)
	}
	return s, nil
}

// checkAttachments checks photo ids: at most maxAttachments, each an
// existing upload of the actor's (the system may attach any, which is how
// an anonymous reporter's own uploads come in). It returns them without
// repeats.
func (s *Service) checkAttachments(ctx context.Context, a *auth.Actor, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > maxAttachments {
		return nil, apperr.Invalidf("attachments", "照片不能超过%d张", "at most %d photos", maxAttachments)
	}
	for _, id := range out {
		at, err := s.med.FindAttachmentByID(ctx, id)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.Invalidf("attachments", "照片 %d 不存在", "photo %d does not exist", id)
		}
		if err != nil {
			return nil, err
		}
		if !a.System && at.UploadedBy != a.UserID {
			return nil, apperr.Invalidf("attachments", "照片 %d 不是您上传的", "photo %d was not uploaded by you", id)
		}
	}
	return out, nil
}
