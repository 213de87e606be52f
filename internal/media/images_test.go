package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// secret is written into every metadata block the test images carry
// (ImageDescription, XMP, IPTC, PNG text, trailing data), so that "no byte
// of it survives" is a simple search.
const secret = "GPS-SECRET-31.2304N-121.4737E"

// testImage is a small image with a gradient, so encoders produce real data.
func testImage(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 0x80, 0xFF})
		}
	}
	return m
}

// mustJPEG encodes a w×h JPEG with the standard library.
func mustJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mustPNG encodes a w×h PNG with the standard library.
func mustPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mustGIF encodes a GIF, a real image of a format media does not take.
func mustGIF(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tiffWriter lays out a little-endian TIFF block: entries with inline
// values or offsets into a data area appended after the IFDs.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte // inline if ≤ 4 bytes, else placed in the data area
}

// exifTIFF builds a TIFF block as cameras write it: IFD0 with an image
// description carrying the secret, the orientation (if o > 0) and a pointer
// to a GPS IFD with latitude and longitude (31°13'49.44"N 121°28'25.32"E).
func exifTIFF(o int) []byte {
	le := binary.LittleEndian
	short := func(v uint16) []byte { return le.AppendUint16(nil, v) }
	rational := func(pairs ...uint32) []byte {
		var b []byte
		for _, v := range pairs {
			b = le.AppendUint32(b, v)
		}
		return b
	}
	ifd0 := []tiffEntry{{0x010E, 2, uint32(len(secret) + 1), append([]byte(secret), 0)}}
	if o > 0 {
		ifd0 = append(ifd0, tiffEntry{0x0112, 3, 1, short(uint16(o))})
	}
	gps := []tiffEntry{
		{0x0001, 2, 2, []byte("N\x00")},
		{0x0002, 5, 3, rational(31, 1, 13, 1, 4944, 100)},
		{0x0003, 2, 2, []byte("E\x00")},
		{0x0004, 5, 3, rational(121, 1, 28, 1, 2532, 100)},
	}
	ifdSize := func(n int) int { return 2 + 12*n + 4 }
	ifd0At := 8
	gpsAt := ifd0At + ifdSize(len(ifd0)+1) // +1 for the GPS pointer
	dataAt := gpsAt + ifdSize(len(gps))
	var data []byte
	entry := func(b []byte, e tiffEntry) []byte {
		b = le.AppendUint16(b, e.tag)
		b = le.AppendUint16(b, e.typ)
		b = le.AppendUint32(b, e.count)
		if len(e.value) <= 4 {
			v := make([]byte, 4)
			copy(v, e.value)
			return append(b, v...)
		}
		b = le.AppendUint32(b, uint32(dataAt+len(data)))
		data = append(data, e.value...)
		return b
	}
	b := []byte("II*\x00")
	b = le.AppendUint32(b, uint32(ifd0At))
	b = le.AppendUint16(b, uint16(len(ifd0)+1))
	for _, e := range ifd0 {
		b = entry(b, e)
	}
	b = entry(b, tiffEntry{0x8825, 4, 1, le.AppendUint32(nil, uint32(gpsAt))})
	b = le.AppendUint32(b, 0)
	b = le.AppendUint16(b, uint16(len(gps)))
	for _, e := range gps {
		b = entry(b, e)
	}
	b = le.AppendUint32(b, 0)
	return append(b, data...)
}

// xmpPacket is an XMP packet with GPS properties.
func xmpPacket() []byte {
	return []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,13.824N" exif:GPSLongitude="121,28.422E" ` +
		`exif:UserComment="` + secret + `"/></rdf:RDF></x:xmpmeta>`)
}

// jpegSegment returns marker m with its length and payload.
func jpegSegment(m byte, payload []byte) []byte {
	n := len(payload) + 2
	return append([]byte{0xFF, m, byte(n >> 8), byte(n)}, payload...)
}

// jpegMetadata is what a phone and a photo editor leave after SOI: Exif with
// GPS (orientation o), XMP and a Photoshop/IPTC block.
func jpegMetadata(o int) []byte {
	var b []byte
	b = append(b, jpegSegment(jpegAPP1, append(append([]byte{}, exifHeader...), exifTIFF(o)...))...)
	b = append(b, jpegSegment(jpegAPP1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), xmpPacket()...))...)
	iptc := append([]byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00"), 0, 0, 0, byte(len(secret)+5))
	iptc = append(iptc, 0x1C, 0x02, 0x5A, 0x00, byte(len(secret))) // IPTC 2:90 City
	iptc = append(iptc, secret...)
	b = append(b, jpegSegment(jpegAPP13, iptc)...)
	return b
}

// spliceJPEG inserts segs right after SOI.
func spliceJPEG(j, segs []byte) []byte {
	out := append([]byte{}, j[:2]...)
	out = append(out, segs...)
	return append(out, j[2:]...)
}

// pngChunk returns a chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// splicePNG inserts chunks right after IHDR.
func splicePNG(p []byte, chunks ...[]byte) []byte {
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	out := append([]byte{}, p[:afterIHDR]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[afterIHDR:]...)
}

// pngMetadata are the chunks a PNG with location carries.
func pngMetadata() [][]byte {
	return [][]byte{
		pngChunk("eXIf", exifTIFF(6)),
		pngChunk("tEXt", []byte("Comment\x00"+secret)),
		pngChunk("iTXt", append([]byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), xmpPacket()...)),
		pngChunk("zTXt", []byte("Location\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")), // empty deflate stream
	}
}

// bitWriter writes the LSB-first bit stream of VP8L.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

func (w *bitWriter) write(v uint64, bits uint) {
	w.acc |= v << w.n
	w.n += bits
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		return append(w.buf, byte(w.acc))
	}
	return w.buf
}

// vp8lSolid is a lossless WebP bitstream (the payload of a VP8L chunk) of a
// w×h image in one colour, written by hand after the WebP lossless
// bitstream specification: header, no transform, no colour cache, no meta
// prefix codes, then five "simple" prefix codes of one symbol each (green,
// red, blue, alpha, distance). A one-symbol code takes zero bits per pixel,
// so no pixel data follows.
func vp8lSolid(w, h int, c color.NRGBA) []byte {
	var b bitWriter
	b.write(0x2F, 8)
	b.write(uint64(w-1), 14)
	b.write(uint64(h-1), 14)
	b.write(1, 1) // alpha is used
	b.write(0, 3) // version
	b.write(0, 1) // no transform
	b.write(0, 1) // no colour cache
	b.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A, 0} {
		b.write(1, 1) // simple code
		b.write(0, 1) // one symbol
		if sym < 2 {
			b.write(0, 1)
			b.write(uint64(sym), 1)
		} else {
			b.write(1, 1)
			b.write(uint64(sym), 8)
		}
	}
	return b.bytes()
}

// riffChunk returns a RIFF chunk with its pad byte.
func riffChunk(fourCC string, data []byte) []byte {
	b := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// webpFile wraps chunks in the RIFF/WEBP header.
func webpFile(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	b := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	b = append(b, "WEBP"...)
	return append(b, body...)
}

// vp8x is the extended-format header chunk.
func vp8x(flags byte, w, h int) []byte {
	d := []byte{flags, 0, 0, 0, byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16), byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	return riffChunk("VP8X", d)
}

var webpColour = color.NRGBA{R: 0xC0, G: 0x30, B: 0x10, A: 0xFF}

// webpSimple is a 3×2 lossless WebP without metadata.
func webpSimple() []byte { return webpFile(riffChunk("VP8L", vp8lSolid(3, 2, webpColour))) }

// webpWithMetadata is the same image in the extended format with alpha,
// EXIF (GPS) and XMP chunks, and what stripping must turn it into.
func webpWithMetadata() (with, want []byte) {
	img := riffChunk("VP8L", vp8lSolid(3, 2, webpColour))
	const alpha = 1 << 4
	with = webpFile(vp8x(alpha|vp8xEXIF|vp8xXMP, 3, 2), img, riffChunk("EXIF", exifTIFF(6)), riffChunk("XMP ", xmpPacket()))
	want = webpFile(vp8x(alpha, 3, 2), img)
	return with, want
}
