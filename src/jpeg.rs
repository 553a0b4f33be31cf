//! Just enough JPEG reading to check that a downloaded file is a whole picture.

/// The width and height from a JPEG's frame header, if `bytes` is a complete JPEG
/// (starts with the start-of-image marker and ends with the end-of-image marker).
pub fn size(bytes: &[u8]) -> Option<(u32, u32)> {
    if !bytes.ends_with(&END) {
        return None;
    }
    frame_size(bytes)
}

/// A whole picture: the start marker, a frame with a width and a height that are not
/// zero, a start-of-scan header followed by picture data, and the end marker. A
/// 23-byte stub with a frame and an end but no scan is not one.
pub fn is_whole(bytes: &[u8]) -> bool {
    if !bytes.ends_with(&END) || !matches!(frame_size(bytes), Some((w, h)) if w > 0 && h > 0) {
        return false;
    }
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        if marker == 0xDA {
            // The scan's data runs from after its header to the end marker.
            let data = at + 2 + length;
            return length >= 8 && data + 2 < bytes.len();
        }
        at += 2 + length;
    }
    false
}

/// The start-of-image marker that every JPEG begins with.
pub const START: [u8; 2] = [0xFF, 0xD8];
/// The end-of-image marker that every whole JPEG ends with.
pub const END: [u8; 2] = [0xFF, 0xD9];

/// The width and height from the frame header, reading only the start of a JPEG
/// (`head`, which must begin with the start-of-image marker). The frame header comes
/// before the picture data, so the first few kilobytes are enough.
pub fn frame_size(head: &[u8]) -> Option<(u32, u32)> {
    let bytes = head;
    if !bytes.starts_with(&START) {
        return None;
    }
    // Walk the marker segments after SOI until a start-of-frame (SOF0..SOF15, minus
    // the DHT/JPG/DAC markers that share the range).
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let is_frame = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
        if is_frame {
            let header = bytes.get(at + 4..at + 9)?;
            let height = u16::from_be_bytes([header[1], header[2]]);
            let width = u16::from_be_bytes([header[3], header[4]]);
            return Some((u32::from(width), u32::from(height)));
        }
        at += 2 + length;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stub_with_a_frame_but_no_scan_is_not_whole() {
        let stub = [
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x03, 0x01, 0x22,
            0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
        ];
        assert!(size(&stub).is_some(), "it looks like a JPEG at first sight");
        assert!(!is_whole(&stub));
        assert!(is_whole(&crate::server::draw_jpeg(16, 16)));
    }

    #[test]
    fn what_is_not_a_jpeg_has_no_size() {
        assert_eq!(size(b"<html>404</html>"), None);
        assert_eq!(size(&[]), None);
        assert_eq!(frame_size(&[0xFF, 0xD8, 0x00]), None);
    }
}
