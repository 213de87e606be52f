package media

import "encoding/binary"

// exifHeader starts the payload of a JPEG APP1 segment that holds Exif.
var exifHeader = []byte("Exif\x00\x00")

// tagOrientation is the TIFF/Exif Orientation tag (a SHORT, 1–8).
const tagOrientation = 0x0112

// exifOrientation reads the Orientation tag from IFD0 of a TIFF-structured
// Exif block; it returns 0 when there is none or the block is malformed.
// Nothing else in the block is looked at.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	ifd := uint64(bo.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > uint64(len(tiff)) {
		return 0
	}
	n := uint64(bo.Uint16(tiff[ifd:]))
	for i := uint64(0); i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > uint64(len(tiff)) {
			return 0
		}
		if bo.Uint16(tiff[e:]) != tagOrientation {
			continue
		}
		const typeShort = 3
		if bo.Uint16(tiff[e+2:]) != typeShort || bo.Uint32(tiff[e+4:]) != 1 {
			return 0
		}
		if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// orientationTIFF is a big-endian TIFF block whose IFD0 holds only the
// Orientation tag set to o.
func orientationTIFF(o int) []byte {
	return []byte{
		'M', 'M', 0x00, 0x2A, // byte order, magic 42
		0x00, 0x00, 0x00, 0x08, // IFD0 right after the header
		0x00, 0x01, // one entry
		0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, // Orientation, SHORT, count 1
		0x00, byte(o), 0x00, 0x00, // the value, left-justified
		0x00, 0x00, 0x00, 0x00, // no next IFD (no thumbnail)
	}
}
