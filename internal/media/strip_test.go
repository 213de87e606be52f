package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"golang.org/x/image/webp"
)

// mustCheck runs check and fails the test on error.
func mustCheck(t *testing.T, data []byte, keep bool) *checked {
	t.Helper()
	c, err := check(data, keep, DefaultMaxPixels)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	return c
}

// mustDecode fully decodes data with the format's decoder (not only the
// header) and returns its bounds.
func mustDecode(t *testing.T, format string, data []byte) image.Image {
	t.Helper()
	var m image.Image
	var err error
	switch format {
	case TypeJPEG:
		m, err = jpeg.Decode(bytes.NewReader(data))
	case TypePNG:
		m, err = png.Decode(bytes.NewReader(data))
	case TypeWebP:
		m, err = webp.Decode(bytes.NewReader(data))
	}
	if err != nil {
		t.Fatalf("decode %s: %v", format, err)
	}
	return m
}

func TestStripJPEG(t *testing.T) {
	plain := mustJPEG(t, 40, 30)
	for _, tc := range []struct {
		name        string
		orientation int
		want        []byte
	}{
		// Without rotation nothing of the Exif block is kept: the result is
		// the encoder's file, byte for byte.
		{"no orientation", 0, plain},
		{"upright", 1, plain},
		// A rotated photo keeps a one-tag Exif block in the place of the old one.
		{"rotated", 6, spliceJPEG(plain, orientationAPP1(6))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := spliceJPEG(plain, jpegMetadata(tc.orientation))
			// Trailing data after EOI (as phones append further images) goes too.
			in = append(in, append([]byte{0xFF, 0xD8, 0xFF}, secret...)...)
			c := mustCheck(t, in, false)
			if !bytes.Equal(c.data, tc.want) {
				t.Fatalf("stripped JPEG differs from the expected bytes (%d vs %d bytes)", len(c.data), len(tc.want))
			}
			if bytes.Contains(c.data, []byte(secret)) || bytes.Contains(c.data, []byte("GPS")) {
				t.Fatal("location metadata survived")
			}
			if !c.stripped || c.width != 40 || c.height != 30 || c.contentType != TypeJPEG {
				t.Fatalf("checked = %+v", c)
			}
			if b := mustDecode(t, TypeJPEG, c.data).Bounds(); b.Dx() != 40 || b.Dy() != 30 {
				t.Fatalf("decoded bounds %v", b)
			}
			want := 0 // no Exif block at all
			if tc.orientation > 1 {
				want = tc.orientation
			}
			if got := exifOrientationOfJPEG(c.data); got != want {
				t.Fatalf("orientation after stripping = %d, want %d", got, want)
			}
		})
	}
}

// exifOrientationOfJPEG finds the first Exif APP1 of a JPEG and reads its
// orientation; 0 if there is none.
func exifOrientationOfJPEG(j []byte) int {
	for p := 2; p+4 <= len(j) && j[p] == 0xFF && j[p+1] != jpegSOS; {
		n := int(binary.BigEndian.Uint16(j[p+2:]))
		if j[p+1] == jpegAPP1 && bytes.HasPrefix(j[p+4:], exifHeader) {
			return exifOrientation(j[p+4+len(exifHeader) : p+2+n])
		}
		p += 2 + n
	}
	return 0
}

func TestKeepLocationKeepsFileAsIs(t *testing.T) {
	withWebP, _ := webpWithMetadata()
	for name, in := range map[string][]byte{
		"jpeg": spliceJPEG(mustJPEG(t, 16, 16), jpegMetadata(6)),
		"png":  splicePNG(mustPNG(t, 16, 16), pngMetadata()...),
		"webp": withWebP,
	} {
		t.Run(name, func(t *testing.T) {
			c := mustCheck(t, in, true)
			if !bytes.Equal(c.data, in) || c.stripped {
				t.Fatalf("keepLocation changed the file (stripped=%v)", c.stripped)
			}
		})
	}
}

func TestStripPNG(t *testing.T) {
	plain := mustPNG(t, 20, 10)
	in := splicePNG(plain, pngMetadata()...)
	in = append(in, secret...) // after IEND
	c := mustCheck(t, in, false)
	if !bytes.Equal(c.data, plain) {
		t.Fatalf("stripped PNG is not the encoder's file (%d vs %d bytes)", len(c.data), len(plain))
	}
	if b := mustDecode(t, TypePNG, c.data).Bounds(); b.Dx() != 20 || b.Dy() != 10 {
		t.Fatalf("decoded bounds %v", b)
	}
}

func TestStripWebP(t *testing.T) {
	with, want := webpWithMetadata()
	if len(xmpPacket())%2 == 0 {
		t.Fatal("the XMP packet should have odd length, to exercise RIFF padding")
	}
	c := mustCheck(t, with, false)
	if !bytes.Equal(c.data, want) {
		t.Fatalf("stripped WebP:\n got %x\nwant %x", c.data, want)
	}
	if c.width != 3 || c.height != 2 || c.contentType != TypeWebP {
		t.Fatalf("checked = %+v", c)
	}
	m := mustDecode(t, TypeWebP, c.data)
	if got := m.At(2, 1); got != webpColour {
		t.Fatalf("pixel = %v, want %v", got, webpColour)
	}
	// A simple-format file has nothing to strip and stays as it is.
	simple := webpSimple()
	if c := mustCheck(t, simple, false); !bytes.Equal(c.data, simple) {
		t.Fatal("simple WebP changed")
	}
}

func TestExifOrientation(t *testing.T) {
	for _, tc := range []struct {
		name string
		tiff []byte
		want int
	}{
		{"little-endian camera block", exifTIFF(8), 8},
		{"none", exifTIFF(0), 0},
		{"our own big-endian block", orientationTIFF(3), 3},
		{"empty", nil, 0},
		{"bad magic", []byte("XX*\x00\x08\x00\x00\x00"), 0},
		{"IFD past the end", []byte("II*\x00\xff\x00\x00\x00"), 0},
		{"entries past the end", []byte("II*\x00\x08\x00\x00\x00\x05\x00"), 0},
		{"out of range", orientationTIFF(9), 0},
	} {
		if got := exifOrientation(tc.tiff); got != tc.want {
			t.Errorf("%s: orientation %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestCheckRejects covers bad content without a database; the service tests
// repeat the main cases end to end and check that nothing is stored.
func TestCheckRejects(t *testing.T) {
	j := mustJPEG(t, 64, 64)
	p := mustPNG(t, 8, 8)
	badCRC := append([]byte{}, p...)
	badCRC[len(badCRC)-20] ^= 0xFF // inside IDAT
	for name, data := range badInputs(t) {
		t.Run(name, func(t *testing.T) {
			_, err := check(data.bytes, false, DefaultMaxPixels)
			assertPhotoError(t, err, data.msg)
		})
	}
	for name, data := range map[string][]byte{
		"jpeg without EOI":              j[:len(j)-2],
		"png with a bad CRC":            badCRC,
		"png without IEND":              p[:len(p)-12],
		"webp shorter than its RIFF":    webpSimple()[:20],
		"webp chunk overruns":           webpOverrun(),
		"jpeg ending in a stuffed 0xFF": append(j[:len(j)-2:len(j)-2], 0xFF, 0x00),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := check(data, true, DefaultMaxPixels)
			assertPhotoError(t, err, "damaged")
		})
	}
}

// webpOverrun is a WebP whose RIFF size is right but whose image chunk
// claims more bytes than the file holds.
func webpOverrun() []byte {
	w := webpSimple()
	binary.LittleEndian.PutUint32(w[16:], 1000)
	return w
}

// badInput is a rejected upload and a fragment of the English message.
type badInput struct {
	bytes []byte
	msg   string
}

// badInputs are the uploads every layer must refuse.
func badInputs(t *testing.T) map[string]badInput {
	j := mustJPEG(t, 64, 64)
	return map[string]badInput{
		"empty":              {nil, "empty"},
		"text named .jpg":    {[]byte("这不是照片 — this is a text file renamed photo.jpg\n"), "must be a JPEG, PNG or WebP"},
		"gif":                {mustGIF(t), "must be a JPEG, PNG or WebP"},
		"html claiming jpeg": {[]byte("<html><img src=x onerror=alert(1)></html>"), "must be a JPEG, PNG or WebP"},
		"truncated jpeg":     {j[:len(j)/2], "damaged"},
		"jpeg header only":   {j[:20], "damaged"},
		"jpeg bomb":          {jpegBomb(t), "too many pixels (50000×50000)"},
		"png bomb":           {pngBomb(t), "too many pixels (100000×100000)"},
		"webp bomb":          {webpFile(riffChunk("VP8L", vp8lSolid(16384, 16384, webpColour))), "too many pixels (16384×16384)"},
		"webp truncated":     {webpSimple()[:len(webpSimple())-3], "damaged"},
	}
}

// jpegBomb is a valid small JPEG whose frame header claims 50000×50000.
func jpegBomb(t *testing.T) []byte {
	j := mustJPEG(t, 8, 8)
	i := bytes.Index(j, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	binary.BigEndian.PutUint16(j[i+5:], 50000) // height
	binary.BigEndian.PutUint16(j[i+7:], 50000) // width
	return j
}

// pngBomb is a small PNG whose IHDR claims 100000×100000, CRC fixed up.
func pngBomb(t *testing.T) []byte {
	p := mustPNG(t, 8, 8)
	binary.BigEndian.PutUint32(p[16:], 100000)
	binary.BigEndian.PutUint32(p[20:], 100000)
	copy(p[8:], pngChunk("IHDR", p[16:29]))
	return p
}

// assertPhotoError checks for an Invalid error on field "photo" whose
// English message contains msg and that has a Chinese message too.
func assertPhotoError(t *testing.T, err error, msg string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil {
		t.Fatalf("error = %v, want an apperr", err)
	}
	if e.Code != apperr.Invalid || e.Field != FieldPhoto {
		t.Fatalf("error = %v, want invalid on %q", err, FieldPhoto)
	}
	if !bytes.Contains([]byte(e.Msg.EN), []byte(msg)) || e.Msg.ZH == "" || e.Msg.ZH == e.Msg.EN {
		t.Fatalf("message = %q / %q, want it to mention %q in both languages", e.Msg.ZH, e.Msg.EN, msg)
	}
}

// FuzzCheck feeds arbitrary bytes to the checks: they must never panic, and
// whatever they accept and strip must pass them again unchanged.
func FuzzCheck(f *testing.F) {
	withWebP, _ := webpWithMetadata()
	f.Add(spliceJPEG(mustJPEG(f, 8, 8), jpegMetadata(6)))
	f.Add(splicePNG(mustPNG(f, 4, 4), pngMetadata()...))
	f.Add(withWebP)
	f.Add(webpSimple())
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := check(data, false, DefaultMaxPixels)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("non-Invalid error: %v", err)
			}
			return
		}
		again, err := check(c.data, false, DefaultMaxPixels)
		if err != nil {
			t.Fatalf("stripped output rejected: %v", err)
		}
		if !bytes.Equal(again.data, c.data) {
			t.Fatal("stripping is not idempotent")
		}
	})
}

func BenchmarkCheckJPEG(b *testing.B) {
	in := spliceJPEG(mustJPEG(b, 2000, 1500), jpegMetadata(6))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := check(in, false, DefaultMaxPixels); err != nil {
			b.Fatal(err)
		}
	}
}
