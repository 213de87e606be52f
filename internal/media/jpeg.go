package media

import (
	"bytes"
	"encoding/binary"
)

// JPEG marker codes (ITU T.81 table B.1) that the walker treats specially.
const (
	jpegSOI   = 0xD8
	jpegEOI   = 0xD9
	jpegSOS   = 0xDA
	jpegTEM   = 0x01
	jpegRST0  = 0xD0
	jpegRST7  = 0xD7
	jpegAPP1  = 0xE1 // Exif (with its GPS IFD) and XMP
	jpegAPP13 = 0xED // Photoshop image resources, IPTC (which has location fields)
)

// walkJPEG walks every marker segment of a JPEG, baseline or progressive,
// from SOI to EOI, stepping over the entropy-coded data after each SOS. A
// file that ends before EOI is truncated and rejected.
//
// With strip set it returns a copy without APP1 and APP13 segments and
// without anything after EOI. Trailing data is dropped because phones append
// whole further images there (the MPF depth map or a second exposure), each
// with its own Exif and GPS block. Every other byte is kept as it was. The
// one thing of value in Exif besides location is the orientation, without
// which a phone's portrait photo is shown on its side; when the first Exif
// segment says the image is rotated, a new APP1 carrying only that tag takes
// its place.
func walkJPEG(data []byte, strip bool) ([]byte, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != jpegSOI {
		return nil, errCorrupt
	}
	var out []byte
	if strip {
		out = make([]byte, 0, len(data))
		out = append(out, data[:2]...)
	}
	sawExif := false
	p := 2
	for {
		// A marker is 0xFF, optionally more 0xFF fill bytes, then its code.
		start := p
		if p >= len(data) || data[p] != 0xFF {
			return nil, errCorrupt
		}
		for p < len(data) && data[p] == 0xFF {
			p++
		}
		if p >= len(data) {
			return nil, errCorrupt
		}
		m := data[p]
		p++
		switch {
		case m == jpegEOI:
			if !strip {
				return data, nil
			}
			return append(out, data[start:p]...), nil
		case m == 0x00 || m == jpegSOI:
			return nil, errCorrupt
		case m == jpegTEM || (m >= jpegRST0 && m <= jpegRST7):
			// Standalone markers have no length.
			if strip {
				out = append(out, data[start:p]...)
			}
			continue
		}
		if p+2 > len(data) {
			return nil, errCorrupt
		}
		n := int(binary.BigEndian.Uint16(data[p:]))
		if n < 2 || p+n > len(data) {
			return nil, errCorrupt
		}
		end := p + n
		if m == jpegSOS {
			if end = skipEntropyData(data, end); end < 0 {
				return nil, errCorrupt
			}
		}
		if !strip {
			p = end
			continue
		}
		switch m {
		case jpegAPP1:
			if payload := data[p+2 : p+n]; !sawExif && bytes.HasPrefix(payload, exifHeader) {
				sawExif = true
				if o := exifOrientation(payload[len(exifHeader):]); o > 1 {
					out = append(out, orientationAPP1(o)...)
				}
			}
		case jpegAPP13:
		default:
			out = append(out, data[start:end]...)
		}
		p = end
	}
}

// skipEntropyData returns the offset of the marker that ends the
// entropy-coded data starting at i, or -1 if the file ends first. Inside the
// data 0xFF is followed by a stuffed 0x00 or is a restart marker; any other
// code (or a fill byte) starts the next segment.
func skipEntropyData(data []byte, i int) int {
	for {
		j := bytes.IndexByte(data[i:], 0xFF)
		if j < 0 {
			return -1
		}
		k := i + j
		if k+1 >= len(data) {
			return -1
		}
		if c := data[k+1]; c == 0x00 || (c >= jpegRST0 && c <= jpegRST7) {
			i = k + 2
			continue
		}
		return k
	}
}

// orientationAPP1 is a whole APP1 segment holding an Exif block with one
// tag, the orientation o (2–8).
func orientationAPP1(o int) []byte {
	tiff := orientationTIFF(o)
	n := 2 + len(exifHeader) + len(tiff)
	seg := []byte{0xFF, jpegAPP1, byte(n >> 8), byte(n)}
	seg = append(seg, exifHeader...)
	return append(seg, tiff...)
}
