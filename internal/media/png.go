package media

import (
	"encoding/binary"
	"hash/crc32"
)

// pngDropped are the chunks stripping removes: eXIf is Exif (with GPS);
// the text chunks are free-form key/value pairs and carry XMP under the
// "XML:com.adobe.xmp" key, so none of them can be trusted to be harmless.
var pngDropped = map[string]bool{"eXIf": true, "tEXt": true, "zTXt": true, "iTXt": true}

// walkPNG walks the chunks of a PNG from the signature to IEND, checking
// each chunk's length and CRC; a file that ends before IEND is truncated and
// rejected. With strip set it returns a copy without the chunks in
// pngDropped and without anything after IEND. Chunks are self-contained, so
// the kept ones are copied byte for byte with their own CRCs.
func walkPNG(data []byte, strip bool) ([]byte, error) {
	if len(data) < len(pngSignature) || string(data[:len(pngSignature)]) != string(pngSignature) {
		return nil, errCorrupt
	}
	var out []byte
	if strip {
		out = make([]byte, 0, len(data))
		out = append(out, pngSignature...)
	}
	p := uint64(len(pngSignature))
	size := uint64(len(data))
	for {
		// length (4) | type (4) | data (length) | CRC of type and data (4)
		if p+8 > size {
			return nil, errCorrupt
		}
		n := uint64(binary.BigEndian.Uint32(data[p:]))
		if n > 1<<31-1 || p+12+n > size {
			return nil, errCorrupt
		}
		typ := string(data[p+4 : p+8])
		end := p + 12 + n
		if crc32.ChecksumIEEE(data[p+4:p+8+n]) != binary.BigEndian.Uint32(data[p+8+n:]) {
			return nil, errCorrupt
		}
		if strip && !pngDropped[typ] {
			out = append(out, data[p:end]...)
		}
		p = end
		if typ == "IEND" {
			if !strip {
				return data, nil
			}
			return out, nil
		}
	}
}
