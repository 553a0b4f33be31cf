//! Lesson 11 end to end: results come back from every worker, the channel brings every
//! message, and both shared totals are exact. (What a message and a lock cost is the
//! lesson's benchmark, which checks its own totals.)

use crate::common;
use common::{picture_bytes, stderr, stdout};

/// The number after `label` on the first line that contains it.
fn number_after(text: &str, label: &str) -> u64 {
    let line = text
        .lines()
        .find(|line| line.contains(label))
        .unwrap_or_else(|| panic!("no line with {label:?}: {text}"));
    let after = &line[line.find(label).expect("found above") + label.len()..];
    let digits: String = after
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {label:?}: {line}"))
}

#[test]
fn every_result_and_message_arrives() {
    let place = common::Place::new();
    let output = place.watch(env!("CARGO_BIN_EXE_lesson11"), &["--latency-ms", "20"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    // From the server: five rounds of five downloads, every picture whole.
    let record = place.record();
    assert_eq!(record.requests.len(), 25);
    assert_eq!(record.whole_pictures(), 5);
    assert!(record.broken_files().is_empty());

    // 1. Five results, from JoinHandles, from a scope and from rayon.
    let all = 5 * picture_bytes() as u64;
    assert_eq!(number_after(&text, "JoinHandle<T>: 5 pictures,"), all);
    assert_eq!(number_after(&text, "thread::scope:  5 pictures,"), all);
    let one = picture_bytes().to_string();
    let sizes = format!("sizes in order [{}]", [one.as_str(); 5].join(", "));
    assert!(text.contains(&sizes), "{text}");

    // 2. The channel brings a start and a save for every picture, then closes.
    for picture in 0..5 {
        assert!(
            text.contains(&format!("picture {picture}: started")),
            "{text}"
        );
        assert!(
            text.contains(&format!("picture {picture}: saved, {one} bytes")),
            "{text}"
        );
    }
    assert!(text.contains("the channel closed"), "{text}");

    // 3. The shared totals are exact, with a lock and with an atomic.
    assert_eq!(number_after(&text, "Arc<Mutex<u64>>:"), all);
    assert_eq!(number_after(&text, "AtomicU64:"), all);
}
