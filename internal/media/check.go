package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/gridwork/gridwork/internal/apperr"
	"golang.org/x/image/webp"
)

// The content types media accepts; they are also what attachments record.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
)

// FieldPhoto is the input field every photo error names.
const FieldPhoto = "photo"

// errCorrupt is what the format walkers return for bytes that break the
// format's structure; check turns it into a user-facing Invalid error.
var errCorrupt = errors.New("media: malformed image structure")

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// sniff names the format from the leading bytes alone. The file name and
// the client's Content-Type are never consulted: both are the client's word.
func sniff(data []byte) string {
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return TypeJPEG
	case bytes.HasPrefix(data, pngSignature):
		return TypePNG
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return TypeWebP
	}
	return ""
}

// decodeConfig reads the image header of data as the given format, so that
// a file is checked by the decoder of the format it claims to be and by no
// other registered one.
func decodeConfig(format string, data []byte) (image.Config, error) {
	r := bytes.NewReader(data)
	switch format {
	case TypeJPEG:
		return jpeg.DecodeConfig(r)
	case TypePNG:
		return png.DecodeConfig(r)
	case TypeWebP:
		return webp.DecodeConfig(r)
	}
	return image.Config{}, fmt.Errorf("media: no decoder for %q", format)
}

// walk checks the whole container structure of data and, when strip is set,
// returns it without location-bearing metadata; otherwise it returns data
// itself.
func walk(format string, data []byte, strip bool) ([]byte, error) {
	switch format {
	case TypeJPEG:
		return walkJPEG(data, strip)
	case TypePNG:
		return walkPNG(data, strip)
	case TypeWebP:
		return walkWebP(data, strip)
	}
	return nil, fmt.Errorf("media: no walker for %q", format)
}

// checked is a photo that passed every check, ready to store.
type checked struct {
	contentType   string
	data          []byte // the bytes to store: stripped unless keepLocation
	width, height int
	stripped      bool
}

// check runs the content checks on a photo that is already within the
// size limit: the format by magic bytes, the header by the format's own
// decoder, the pixel count against decompression bombs, the container
// structure (which catches truncation the header alone does not), then
// strips metadata and makes sure the result still decodes to the same size.
func check(data []byte, keepLocation bool, maxPixels int64) (*checked, error) {
	if len(data) == 0 {
		return nil, apperr.Invalidf(FieldPhoto, "照片为空", "the photo is empty")
	}
	format := sniff(data)
	if format == "" {
		return nil, apperr.Invalidf(FieldPhoto, "照片格式须为 JPEG、PNG 或 WebP", "the photo must be a JPEG, PNG or WebP image")
	}
	cfg, err := decodeConfig(format, data)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, corrupt(err)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, apperr.New(apperr.Invalid, FieldPhoto,
			fmt.Sprintf("照片像素过多（%d×%d），不能超过 %s像素", cfg.Width, cfg.Height, pixelsZH(maxPixels)),
			fmt.Sprintf("the photo has too many pixels (%d×%d); the limit is %s pixels", cfg.Width, cfg.Height, pixelsEN(maxPixels)))
	}
	out, err := walk(format, data, !keepLocation)
	if err != nil {
		return nil, corrupt(err)
	}
	if !keepLocation {
		// Stripping must never turn a good photo into a broken one.
		again, err := decodeConfig(format, out)
		if err != nil || again.Width != cfg.Width || again.Height != cfg.Height {
			return nil, corrupt(fmt.Errorf("media: stripped %s no longer decodes: %v", format, err))
		}
	}
	return &checked{contentType: format, data: out, width: cfg.Width, height: cfg.Height, stripped: !keepLocation}, nil
}

func corrupt(cause error) error {
	e := apperr.Invalidf(FieldPhoto, "照片文件已损坏或不完整", "the photo file is damaged or incomplete")
	e.Err = cause
	return e
}

// tooLarge is the error for a photo over the byte limit.
func tooLarge(limit int64) error {
	s := byteSize(limit)
	return apperr.Invalidf(FieldPhoto, "照片不能超过 %s", "the photo must not be larger than %s", s)
}

// byteSize renders a limit the way people write it: "10 MiB", "512 KiB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// pixelsZH writes a pixel count in 万 (10⁴), as Chinese speakers count.
func pixelsZH(n int64) string {
	if n >= 10000 && n%10000 == 0 {
		return fmt.Sprintf("%d 万", n/10000)
	}
	return fmt.Sprintf("%d ", n)
}

// pixelsEN writes a pixel count in millions when it is a round number.
func pixelsEN(n int64) string {
	if n >= 1000000 && n%1000000 == 0 {
		return fmt.Sprintf("%d million", n/1000000)
	}
	return fmt.Sprintf("%d", n)
}
