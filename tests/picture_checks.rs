//! The lessons' shared plain file, `lessons/picture.rs`, on what a hostile server or
//! a shared folder may hold: no panic on a malformed JPEG, and a failed write removes
//! only the temporary file it made itself (issue 24, items 3 and 11).

use crate::picture;

/// A start marker, one segment `FF marker length...`, and the end marker.
fn jpeg_with(segment: &[u8]) -> Vec<u8> {
    [&[0xFF, 0xD8][..], segment, &[0xFF, 0xD9]].concat()
}

#[test]
fn a_segment_length_below_two_is_not_a_jpeg_and_no_panic() {
    // A frame header whose length is 0 or 1: it cannot even count its own two bytes.
    for length in [0u8, 1] {
        let bytes = jpeg_with(&[0xFF, 0xC0, 0, length, 0xFF, 0xDA, 0, 8, 1, 2, 3, 4, 5, 6]);
        assert!(!picture::is_whole_jpeg(&bytes), "length {length}");
    }
    // The 23-byte stub: a frame with a size, no scan.
    let stub = jpeg_with(&[0xFF, 0xC0, 0, 17, 8, 0, 1, 0, 1, 1, 1, 0x11, 0, 0, 0, 0, 0]);
    assert!(!picture::is_whole_jpeg(&stub));
    // Every prefix of a made-up picture, cut anywhere: never a panic.
    let whole = jpeg_with(&[
        0xFF, 0xC0, 0, 11, 8, 0, 4, 0, 4, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x12,
        0x34,
    ]);
    assert!(picture::is_whole_jpeg(&whole));
    for cut in 0..whole.len() {
        let _ = picture::is_whole_jpeg(&whole[..cut]);
    }
}

#[test]
fn a_write_leaves_temporary_files_it_did_not_make_alone() {
    let folder = tempfile::tempdir().expect("a folder");
    let pid = std::process::id();
    // Another writer's files that look like ours: the old name with our pid (a run in
    // another PID namespace), and a user's notes.
    let theirs = [format!(".0.jpg.{pid}.part"), ".0.jpg.part".to_string()];
    for name in &theirs {
        std::fs::write(folder.path().join(name), b"not this run's").expect("theirs");
    }
    let path = folder.path().join("0.jpg");
    picture::write_whole(&path, b"picture one").expect("written");
    picture::write_whole(&path, b"picture two").expect("written again");
    assert_eq!(std::fs::read(&path).expect("the picture"), b"picture two");
    let mut left: Vec<String> = std::fs::read_dir(folder.path())
        .expect("listing")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    left.sort();
    let mut expected = vec!["0.jpg".to_string()];
    expected.extend(theirs.iter().cloned());
    expected.sort();
    assert_eq!(
        left, expected,
        "only the picture was added, nothing else touched"
    );
}

/// Issue 24, items 10 and 14: a media type ignores case and may carry parameters, so
/// nginx's `IMAGE/JPEG` is a JPEG; one that is not text is said to be so, not taken
/// for a missing Content-Type.
#[test]
fn a_media_type_ignores_case_and_parameters() {
    use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
    let with = |value: HeaderValue| {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, value);
        headers
    };
    for jpeg in [
        "image/jpeg",
        "IMAGE/JPEG",
        "image/jpeg; charset=binary",
        "Image/Jpeg ;q=1",
    ] {
        let headers = with(HeaderValue::from_static(jpeg));
        assert!(
            picture::refuse_what_is_not_a_jpeg("u", &headers).is_ok(),
            "{jpeg}"
        );
    }
    for other in ["text/html", "image/png", "image/jpeg2000"] {
        let headers = with(HeaderValue::from_static(other));
        let error = picture::refuse_what_is_not_a_jpeg("u", &headers).expect_err(other);
        assert_eq!(error.to_string(), format!("u: got {other}, not a JPEG"));
    }
    let not_text = HeaderValue::from_bytes(b"image/jp\xe9g").expect("a header value");
    let error = picture::refuse_what_is_not_a_jpeg("u", &with(not_text)).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "u: got a Content-Type that is not text, not a JPEG"
    );
    // No media type at all: the body's own check decides.
    assert!(picture::refuse_what_is_not_a_jpeg("u", &HeaderMap::new()).is_ok());
}
