//! Helpers shared by the end-to-end tests (each test file has `mod common;`).
#![allow(dead_code)] // not every test file uses every helper

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// Runs a lesson binary (e.g. `env!("CARGO_BIN_EXE_lesson06")`) to the end, within
/// two minutes: a run that hangs fails the test instead of blocking it.
pub fn run(binary: &str, args: &[&str]) -> Output {
    let mut command = Command::new(binary);
    command.args(args).env_remove("NO_COLOR");
    output_within(command, Duration::from_secs(120))
}

/// Runs `command` to its end like `Command::output`, but kills it and fails the test
/// if it takes longer than `limit`.
pub fn output_within(mut command: Command, limit: Duration) -> Output {
    use std::io::Read;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = wait_at_most(&mut child, limit);
    Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

/// Waits for `child` for at most `limit`; kills it and fails the test if it is late.
pub fn wait_at_most(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The size of the local server's 200x3000 picture, as the tests expect it.
pub fn picture_bytes() -> usize {
    workbook::server::draw_jpeg(200, 3000).len()
}

/// Runs a lesson binary with `--out <out>` and then `args`.
pub fn run_into(binary: &str, out: &Path, args: &[&str]) -> Output {
    let out = out.to_string_lossy().into_owned();
    let mut all = vec!["--out", out.as_str()];
    all.extend_from_slice(args);
    run(binary, &all)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file in `folder` (pictures and anything else, such as temporary files), but
/// the lab's list of the files its runs wrote there.
pub fn files_in(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .map(|entries| entries.filter_map(Result::ok).collect())
        .unwrap_or_else(|_| Vec::new())
        .into_iter()
        .filter(|entry| entry.path().is_file() && entry.file_name() != workbook::lab::folder::MADE)
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).expect("readable"))
        })
        .collect();
    files.sort();
    files
}

/// Checks that `folder` holds exactly `0.jpg` .. `<count - 1>.jpg`, each a whole
/// 200x3000 JPEG, and nothing else.
pub fn assert_complete_pictures(folder: &Path, count: usize) {
    assert_complete_pictures_of(folder, count, (200, 3000));
}

/// [`assert_complete_pictures`] for pictures of another size (width, height).
pub fn assert_complete_pictures_of(folder: &Path, count: usize, size: (u32, u32)) {
    let files = files_in(folder);
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    let mut expected: Vec<String> = (0..count).map(|i| format!("{i}.jpg")).collect();
    expected.sort();
    assert_eq!(names, expected, "the files in {}", folder.display());
    for (name, bytes) in &files {
        assert_eq!(
            workbook::jpeg::size(bytes),
            Some(size),
            "{name} is not a whole {}x{} JPEG",
            size.0,
            size.1
        );
    }
}

/// A plain static file server this project did not write: Python's `http.server`.
pub struct StaticServer {
    child: Child,
    pub port: u16,
    log: std::sync::mpsc::Receiver<String>,
}

impl StaticServer {
    pub fn start(folder: &Path) -> Option<StaticServer> {
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(folder)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .ok()?;
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let mut first = String::new();
        BufReader::new(child.stdout.take()?)
            .read_line(&mut first)
            .ok()?;
        let port = first
            .split("port ")
            .nth(1)?
            .split(' ')
            .next()?
            .parse()
            .ok()?;
        // Its access log (one line per request) goes to stderr.
        let (send, log) = std::sync::mpsc::channel();
        let stderr = child.stderr.take()?;
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        Some(StaticServer { child, port, log })
    }

    pub fn requests_for(&self, path: &str) -> usize {
        std::thread::sleep(Duration::from_millis(200));
        self.log
            .try_iter()
            .filter(|line| line.contains(&format!("GET {path} ")))
            .count()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A static server serving one small JPEG as `/picture.jpg` (python3's http.server).
pub struct ServedPicture {
    pub server: StaticServer,
    pub url: String,
    pub bytes: Vec<u8>,
    _folder: tempfile::TempDir,
}

pub fn serve_a_picture() -> ServedPicture {
    let folder = tempfile::tempdir().expect("tempdir");
    let bytes = workbook::server::draw_jpeg(120, 80);
    std::fs::write(folder.path().join("picture.jpg"), &bytes).expect("write");
    let server = StaticServer::start(folder.path()).expect("python3 serves the folder");
    let url = format!("http://127.0.0.1:{}/picture.jpg", server.port);
    ServedPicture {
        server,
        url,
        bytes,
        _folder: folder,
    }
}

/// The standalone picture server (`picsum-local`) in a process of its own, so that it
/// outlives the lesson under test, with faults for given request numbers. It is
/// killed when dropped, however the test ends: a server left running would hold the
/// test's output open.
pub struct FaultyServer {
    child: Child,
    pub url: String,
}

impl FaultyServer {
    pub fn start(latency_ms: u64, faults: &[&str]) -> FaultyServer {
        let mut command = Command::new(env!("CARGO_BIN_EXE_picsum-local"));
        command.args([
            "--port",
            "0",
            "--quiet",
            "--latency-ms",
            &latency_ms.to_string(),
        ]);
        for fault in faults {
            command.args(["--fault", fault]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("picsum-local starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("a first line");
        let addr = first.trim().trim_start_matches("listening on ").to_string();
        FaultyServer {
            child,
            url: format!("{addr}/200/3000"),
        }
    }
}

impl Drop for FaultyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The trace's slices of downloads (`ph` `X`, category `download`).
pub fn download_slices(trace: &serde_json::Value) -> Vec<&serde_json::Value> {
    trace["traceEvents"]
        .as_array()
        .expect("traceEvents is a list")
        .iter()
        .filter(|event| event["ph"] == "X" && event["cat"] == "download")
        .collect()
}

/// A `--trace` file, read back as JSON.
pub fn read_trace(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("the trace was written");
    serde_json::from_str(&text).expect("the trace is JSON")
}

/// A run's folder and record, in two temporary folders (the lab refuses a record in
/// the pictures' folder).
pub struct Place {
    out: tempfile::TempDir,
    records: tempfile::TempDir,
}

impl Place {
    /// `binary ARGS --out OUT --record RECORD` (a program with the lab line), to its end.
    pub fn watch(&self, binary: &str, args: &[&str]) -> Output {
        let mut command = Command::new(binary);
        command
            .args(args)
            .arg("--out")
            .arg(self.out())
            .arg("--record")
            .arg(self.record_path());
        output_within(command, Duration::from_secs(120))
    }

    pub fn new() -> Place {
        Place {
            out: tempfile::tempdir().expect("a folder"),
            records: tempfile::tempdir().expect("a folder"),
        }
    }

    pub fn out(&self) -> &Path {
        self.out.path()
    }

    /// A file beside the record, outside the pictures' folder.
    pub fn beside_record(&self, name: &str) -> PathBuf {
        self.records.path().join(name)
    }

    pub fn record_path(&self) -> PathBuf {
        self.records.path().join("record.json")
    }

    pub fn record(&self) -> workbook::lab::Record {
        workbook::lab::Record::read(&self.record_path()).expect("the lab wrote its record")
    }
}

/// Makes a fresh crate outside the workspace from a lesson with its lab line removed,
/// with exactly `lessons/dependencies.toml`, and builds it (a target folder of its own
/// under `target/`, shared by every ejected lesson, and a copy of the workspace's
/// lock file, so it builds offline). Returns the built program.
pub fn eject(lesson: &str, bin: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let eject = root.join("target/eject");
    let dir = eject.join(bin);
    std::fs::create_dir_all(dir.join("src")).expect("the crate's folder");
    let dependencies =
        std::fs::read_to_string(root.join("lessons/dependencies.toml")).expect("dependencies");
    let manifest = format!(
        "[package]\nname = \"{bin}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n{dependencies}\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("Cargo.toml");
    let source = std::fs::read_to_string(root.join("lessons").join(lesson)).expect("the lesson");
    let lab_lines = source
        .lines()
        .filter(|line| line.contains("workbook::"))
        .count();
    // Every lesson has its lab line (`watch_processes` where it downloads nothing).
    assert!(
        lab_lines == 1,
        "{lesson} uses the workbook in its lab line only"
    );
    // The lab line is one statement, which rustfmt may have spread over a few lines:
    // from the line that names the lab to the one that ends the statement.
    let mut plain = String::new();
    let mut in_lab_line = false;
    for line in source.lines() {
        in_lab_line |= line.contains("workbook::lab::");
        if in_lab_line {
            in_lab_line = !line.trim_end().ends_with(';');
        } else {
            plain.push_str(line);
            plain.push('\n');
        }
    }
    std::fs::write(dir.join("src/main.rs"), plain).expect("main.rs");
    // The plain files the lesson brings with it (`pub mod picture;`, `pub mod timing;`).
    for module in source.lines().filter_map(|line| {
        let line = line.trim_start().trim_start_matches("pub ");
        line.strip_prefix("mod ")?.strip_suffix(';')
    }) {
        let file = format!("{module}.rs");
        std::fs::copy(
            root.join("lessons").join(&file),
            dir.join("src").join(&file),
        )
        .unwrap_or_else(|error| panic!("{file}: {error}"));
    }
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("Cargo.lock");
    build_on_its_own(&dir, bin, &eject.join("target"))
}

/// Builds the crate in `dir` on its own, outside the workspace, into `target`; the path
/// of its binary `bin`.
pub fn build_on_its_own(dir: &Path, bin: &str, target: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--quiet", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .status()
        .expect("cargo runs");
    assert!(built.success(), "{bin} builds on its own");
    target
        .join("debug")
        .join(format!("{bin}{}", std::env::consts::EXE_SUFFIX))
}
