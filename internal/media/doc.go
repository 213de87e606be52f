// Package media takes in the photos attached to cases: it checks that the
// bytes really are a JPEG, PNG or WebP image of sane size, strips the
// metadata that can give away where and by whom a photo was taken (Exif with
// its GPS block, XMP, IPTC) unless the reporter allowed it, stores the result
// in a content-addressed blob Store (on disk by default) and records an
// attachment row for it.
//
// Media has no scope of its own: a photo belongs to whatever case refers to
// it, so authorisation is the caller's job. Upload accepts any caller,
// signed in or anonymous (the case service decides who may report), and
// records the signed-in user when there is one; Open and FindAttachmentByID
// are for the case service to call after it has checked that the actor may
// see the case the attachment belongs to.
package media
