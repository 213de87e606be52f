package media

import "encoding/binary"

// VP8X feature flags (WebP container specification, "Extended File Format").
const (
	vp8xXMP  = 1 << 2
	vp8xEXIF = 1 << 3
)

// walkWebP walks the chunks of a WebP RIFF container; a file shorter than
// its RIFF header says, or a chunk that overruns it, is rejected. With strip
// set it returns a copy without the EXIF and "XMP " chunks and without any
// bytes after the RIFF payload, clears the matching flags in the VP8X chunk
// (a reader would otherwise look for metadata that is gone) and rewrites
// the RIFF size. Other chunks — image data, alpha, ICC profile, animation
// frames — are copied byte for byte.
func walkWebP(data []byte, strip bool) ([]byte, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, errCorrupt
	}
	riffEnd := 8 + uint64(binary.LittleEndian.Uint32(data[4:]))
	if riffEnd < 12 || riffEnd > uint64(len(data)) {
		return nil, errCorrupt
	}
	var out []byte
	if strip {
		out = make([]byte, 0, riffEnd)
		out = append(out, data[:12]...)
	}
	flags := -1 // offset of the VP8X flags byte in out
	p := uint64(12)
	for p < riffEnd {
		// FourCC (4) | size (4, little-endian) | payload | pad byte if size is odd
		if p+8 > riffEnd {
			return nil, errCorrupt
		}
		fourCC := string(data[p : p+4])
		n := uint64(binary.LittleEndian.Uint32(data[p+4:]))
		end := p + 8 + n + n&1
		if end > riffEnd {
			return nil, errCorrupt
		}
		if fourCC == "VP8X" && n < 10 {
			return nil, errCorrupt
		}
		if strip && fourCC != "EXIF" && fourCC != "XMP " {
			if fourCC == "VP8X" && flags < 0 {
				flags = len(out) + 8
			}
			out = append(out, data[p:end]...)
		}
		p = end
	}
	if !strip {
		return data, nil
	}
	if flags >= 0 {
		out[flags] &^= vp8xXMP | vp8xEXIF
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}
