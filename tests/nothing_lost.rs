//! Nothing of the user's is ever lost, a picture is a picture, and a stop stops
//! everything: each case tried from outside against the built binaries, each run
//! with a deadline so that a hang fails the test instead of blocking it.

use std::io::Read;
#[cfg(any(unix, windows))]
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use crate::common;
#[cfg(any(target_os = "linux", windows))]
use common::files_in;
use common::{assert_complete_pictures, stderr, stdout, wait_at_most};

const LESSON04: &str = env!("CARGO_BIN_EXE_lesson04");
#[cfg(any(target_os = "linux", windows))]
const LESSON07: &str = env!("CARGO_BIN_EXE_lesson07");

fn output_within(mut command: Command, limit: Duration) -> Output {
    command.env("NO_COLOR", "1");
    common::output_within(command, limit)
}

fn lesson(binary: &str, out: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command.arg("--out").arg(out).args(args);
    command
}

/// A port nobody listens on.
fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    format!("http://127.0.0.1:{port}/200/3000")
}

/// The workbook's temporary files and folders left in `folder`.
#[cfg(unix)]
fn temporaries(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                // `lessons/picture.rs` writes `.0.jpg.PID-NANOS.part`, then renames it.
                .filter(|name| name.starts_with('.') && name.ends_with(".part"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn files_the_run_did_not_make_are_never_touched() {
    let out = tempfile::tempdir().expect("tempdir");
    // Another tool's temporary file, a note, and a workbook temporary file whose owner
    // (this test) is alive: all stay.
    let others = [
        (".partial-something".to_string(), b"another tool's".to_vec()),
        ("notes.txt".to_string(), b"mine".to_vec()),
        (
            format!(".workbook-tmp-{}-0-9.jpg", std::process::id()),
            b"in flight".to_vec(),
        ),
    ];
    for (name, bytes) in &others {
        std::fs::write(out.path().join(name), bytes).expect("write");
    }
    let output = output_within(
        lesson(LESSON04, out.path(), &["--latency-ms", "20"]),
        Duration::from_secs(60),
    );
    assert!(output.status.success(), "{}", stdout(&output));
    for (name, bytes) in &others {
        let now = std::fs::read(out.path().join(name)).unwrap_or_default();
        assert_eq!(&now, bytes, "{name} was touched");
    }
}

#[test]
fn a_run_whose_downloads_all_fail_keeps_the_old_pictures() {
    let out = tempfile::tempdir().expect("tempdir");
    for i in 0..5 {
        std::fs::write(out.path().join(format!("{i}.jpg")), format!("old {i}")).expect("write");
    }
    // As if an earlier watched run had written them (else the lab refuses to start).
    let made: String = (0..5).map(|i| format!("{i}.jpg\n")).collect();
    std::fs::write(out.path().join(workbook::lab::folder::MADE), made).expect("write");
    let url = closed_port_url();
    let output = output_within(
        lesson(LESSON04, out.path(), &["--url", &url]),
        Duration::from_secs(60),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("5 of 5 pictures did not arrive"),
        "the run reports its own result, not what is on disk: {}",
        stderr(&output)
    );
    for i in 0..5 {
        let now =
            std::fs::read_to_string(out.path().join(format!("{i}.jpg"))).expect("still there");
        assert_eq!(now, format!("old {i}"));
    }
}

#[test]
fn two_lessons_sharing_one_folder_both_complete() {
    for _round in 0..4 {
        let out = tempfile::tempdir().expect("tempdir");
        let args = ["--latency-ms", "30", "--count", "10"];
        let runs: Vec<Child> = [
            lesson(LESSON04, out.path(), &args),
            lesson(LESSON04, out.path(), &args),
        ]
        .into_iter()
        .map(|mut command| {
            command
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starts")
        })
        .collect();
        for mut run in runs {
            let status = wait_at_most(&mut run, Duration::from_secs(60));
            let mut why = String::new();
            if let Some(mut err) = run.stderr.take() {
                let _ = err.read_to_string(&mut why);
            }
            assert!(status.success(), "a run failed: {why}");
        }
        assert_complete_pictures(out.path(), 10);
    }
}

/// The standalone picture server, outliving the lesson under test, and its URL.
fn outside_server(latency_ms: u64, faults: &[&str]) -> (common::FaultyServer, String) {
    let server = common::FaultyServer::start(latency_ms, faults);
    let url = server.url.clone();
    (server, url)
}

#[test]
fn a_password_in_the_url_is_never_printed() {
    let out = tempfile::tempdir().expect("tempdir");
    let url = closed_port_url().replace("http://", "http://learner:hunter2@");
    let output = output_within(
        lesson(LESSON04, out.path(), &["--url", &url, "--count", "1"]),
        Duration::from_secs(60),
    );
    let said = format!("{}{}", stdout(&output), stderr(&output));
    assert!(said.contains("FAILED"), "{said}");
    assert!(!said.contains("hunter2"), "{said}");
}

/// Starts `binary` with `args`, its stdout read line by line on a thread; returns it
/// and a receiver of its lines.
#[cfg(any(unix, windows))]
fn spawn_reading(
    binary: &str,
    out: &Path,
    args: &[&str],
) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut child = lesson(binary, out, args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    (child, lines)
}

#[cfg(unix)]
fn interrupt(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[cfg(target_os = "linux")]
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// The lines a lesson prints up to the first that contains `text`, which must come
/// within `limit`.
#[cfg(any(target_os = "linux", windows))]
fn lines_until(
    lines: &std::sync::mpsc::Receiver<String>,
    text: &str,
    limit: Duration,
) -> Vec<String> {
    let deadline = std::time::Instant::now() + limit;
    let mut seen = Vec::new();
    while !seen.iter().any(|line: &String| line.contains(text)) {
        assert!(
            std::time::Instant::now() < deadline,
            "no {text:?} in {seen:?}"
        );
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) {
            seen.push(line);
        }
    }
    seen
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_stops_the_forgetful_programs_children_too() {
    let out = tempfile::tempdir().expect("tempdir");
    let records = tempfile::tempdir().expect("tempdir");
    let record = records.path().join("record.json");
    // A server that outlives the lesson: orphans that were not stopped would finish.
    // Its 3 s wait leaves the Ctrl-C time to come first on a busy machine.
    let (server, url) = outside_server(3000, &[]);
    let record_arg = record.to_string_lossy().into_owned();
    let (mut child, lines) = spawn_reading(
        LESSON07,
        out.path(),
        &["--url", &url, "--record", &record_arg],
    );
    // Wait until the forgetful program has gone and its orphans are downloading.
    let seen = lines_until(&lines, "all done", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(200));
    interrupt(child.id());
    let status = wait_at_most(&mut child, Duration::from_secs(20));
    let record = workbook::lab::Record::read(&record).expect("the lab wrote its record");
    assert_eq!(
        status.code(),
        Some(130),
        "lines: {seen:?}\nprocesses: {:?}",
        record.processes
    );
    let orphans: Vec<u32> = record.processes[1..].iter().map(|p| p.pid).collect();
    assert_eq!(orphans.len(), 5, "{:?}", record.processes);
    // Long enough for any download that went on to land.
    std::thread::sleep(Duration::from_millis(3300));
    drop(server);
    let running: Vec<u32> = orphans.into_iter().filter(|&pid| is_running(pid)).collect();
    assert!(running.is_empty(), "orphans still running: {running:?}");
    assert!(
        files_in(out.path()).is_empty(),
        "{:?}",
        files_in(out.path())
    );
}

/// Windows has no process groups: there the program's job object must end the
/// orphans of the forgetful program when the lesson ends, here killed from outside
/// (what Ctrl-C's exit also does to the job). No orphan may finish its download.
#[cfg(windows)]
#[test]
fn on_windows_the_orphans_end_with_the_program() {
    let out = tempfile::tempdir().expect("tempdir");
    // A server that outlives the lesson: orphans that were not stopped would finish.
    let (server, url) = outside_server(2000, &[]);
    let (mut child, lines) = spawn_reading(LESSON07, out.path(), &["--url", &url]);
    // Wait until the forgetful program has gone and its orphans are downloading.
    let seen = lines_until(&lines, "all done", Duration::from_secs(30));
    child.kill().expect("the lesson can be killed");
    let _ = wait_at_most(&mut child, Duration::from_secs(20));
    // Long enough for any download that went on to land.
    std::thread::sleep(Duration::from_millis(3000));
    drop(server);
    let left: Vec<String> = files_in(out.path())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(
        left.is_empty(),
        "written after the program ended: {left:?} {seen:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_closed_stderr_does_not_disable_ctrl_c() {
    let out = tempfile::tempdir().expect("tempdir");
    let mut child = lesson(LESSON04, out.path(), &["--latency-ms", "2000"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    drop(child.stderr.take()); // the reader of its stderr has gone
    std::thread::sleep(Duration::from_millis(300));
    interrupt(child.id());
    let status = wait_at_most(&mut child, Duration::from_secs(5));
    assert_eq!(status.code(), Some(130));
    assert!(temporaries(out.path()).is_empty());
}

/// A folder whose name is not UTF-8 is a folder like any other: every child process
/// gets its path as the OS gave it, and none panics reading its arguments.
#[cfg(target_os = "linux")]
#[test]
fn a_folder_whose_name_is_not_utf8_gets_its_pictures() {
    use std::os::unix::ffi::OsStrExt as _;
    let parent = tempfile::tempdir().expect("tempdir");
    let out = parent
        .path()
        .join(std::ffi::OsStr::from_bytes(b"pictures-\xff"));
    let output = output_within(
        lesson(
            env!("CARGO_BIN_EXE_lesson06"),
            &out,
            &["--latency-ms", "20", "--count", "2"],
        ),
        Duration::from_secs(60),
    );
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    assert_complete_pictures(&out, 2);
}

/// Issue 24, item 12: the lessons that download nothing (their lab line is
/// `watch_processes`) stop quietly when the reader goes (`| head`), and say in one line
/// that a full disk lost their output. Without the lab, `println!` panics at both.
#[test]
fn the_lessons_without_downloads_are_quiet_at_a_closed_stdout() {
    let lessons: [(&str, &[&str]); 5] = [
        (env!("CARGO_BIN_EXE_lesson01"), &["--starts", "3"]),
        (env!("CARGO_BIN_EXE_lesson02"), &[]),
        (env!("CARGO_BIN_EXE_lesson03"), &[]),
        (env!("CARGO_BIN_EXE_lesson08"), &[]),
        (env!("CARGO_BIN_EXE_lesson13"), &["--unit-ms", "1"]),
    ];
    let run = |binary: &str, args: &[&str], stdout: Stdio| {
        let mut child = Command::new(binary)
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(stdout)
            .stderr(Stdio::piped())
            .spawn()
            .expect("the lesson starts");
        let status = wait_at_most(&mut child, Duration::from_secs(120));
        let mut said = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut said);
        }
        (status, said)
    };
    for (binary, args) in lessons {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        // What the lab says, apart from what the lesson prints on stderr on purpose
        // (lesson 01's panics).
        let lab_lines = |said: &str| -> Vec<String> {
            said.lines()
                .filter(|line| line.starts_with("lab:") || line.contains("failed printing"))
                .map(str::to_string)
                .collect()
        };
        let (status, said) = run(binary, args, Stdio::from(writer));
        assert_eq!(status.code(), Some(0), "{binary}: {said}");
        assert!(lab_lines(&said).is_empty(), "{binary}: {said}");

        #[cfg(target_os = "linux")]
        {
            let full = std::fs::File::options()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full");
            let (status, said) = run(binary, args, Stdio::from(full));
            assert_eq!(status.code(), Some(1), "{binary}: {said}");
            let lab_lines = lab_lines(&said);
            assert_eq!(lab_lines.len(), 1, "{binary}: {said}");
            assert!(
                lab_lines[0].starts_with("lab: cannot write to stdout: No space left on device"),
                "{binary}: {said}"
            );
        }
    }
}

/// Issue 24, items 15 and 16: a child's name is printed, so a name with a newline in
/// it could forge a line ("saved /etc/passwd"). It is refused as a bad argument.
#[test]
fn lesson03_refuses_a_name_that_would_forge_a_line() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lesson03"));
    command.args(["--name", "x\nsaved /etc/passwd"]);
    let output = output_within(command, Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    let said = stderr(&output);
    assert!(
        said.contains(r#"--name "x\nsaved /etc/passwd": a name cannot hold"#),
        "{said}"
    );
    assert!(
        !said.lines().any(|line| line.starts_with("saved")),
        "{said}"
    );
}

/// Issue 24, items 12 and 14: the standalone server says in one line what is wrong
/// with its port, and refuses a bandwidth that would overflow instead of wrapping.
#[test]
fn picsum_local_says_what_is_wrong_in_one_line() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = busy.local_addr().expect("its address").port().to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_picsum-local"));
    command.args(["--port", &port]);
    let output = output_within(command, Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(
        said.starts_with("picsum-local: ") && said.contains(&port) && said.lines().count() == 1,
        "{said}"
    );
    assert!(said.contains("choose another --port"), "{said}");

    let mut command = Command::new(env!("CARGO_BIN_EXE_picsum-local"));
    command.args(["--port", "0", "--bandwidth-kbps", "18446744073709552"]);
    let output = output_within(command, Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("18446744073709552"),
        "{}",
        stderr(&output)
    );
    assert!(
        stdout(&output).is_empty(),
        "it never listened: {}",
        stdout(&output)
    );
}
