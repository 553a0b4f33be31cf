//! One watched run: start the server, start the program with its environment, read
//! its lines, follow its tree until the last process ends (or stop it), look at the
//! folder, and put it all in a [`Record`].

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::record::{self, Comparison, Exit, Line, Record};
use super::signals::{self, Stop};
use super::{Options, TUTORIAL_URL, UsageError, WATCHED, folder, live, report, sockets, tree};
use crate::server::{PictureServer, ServerConfig};
pub use crate::units::say;

/// After a stop, how long the tree has to end before it is killed outright.
const GRACE: Duration = Duration::from_millis(500);

/// What `watch` does in the run a learner started: the lab of this same program.
pub fn as_lab_of_this_program(defaults: Options) -> i32 {
    let program = match std::env::current_exe() {
        Ok(program) => program,
        Err(error) => {
            eprintln!("lab: cannot find this program's own file: {error}");
            return 1;
        }
    };
    let (options, args) = match super::split_args(std::env::args_os().skip(1), defaults) {
        Ok(split) => split,
        Err(UsageError(message)) => {
            eprintln!("lab: {message} (see --help)");
            return 2;
        }
    };
    let name = program_name(program.as_os_str());
    if options.help {
        say(&format!(
            "{name}, watched by the workbook's lab (remove the lab line and it runs on its own).\n\n{}\n\nThe program's own options:",
            if options.pictures {
                super::HELP
            } else {
                super::HELP_PROCESSES
            }
        ));
        let status = Command::new(&program)
            .arg("--help")
            .env(WATCHED, "1")
            .status();
        return status.ok().and_then(|status| status.code()).unwrap_or(1);
    }
    let mut command = vec![program.into_os_string()];
    command.extend(args);
    lab_main(&options, &command)
}

/// The lab's whole run of `command` (the program, then its arguments): prints what
/// it saw, writes the record and trace if asked, and returns the exit status.
pub fn lab_main(options: &Options, command: &[OsString]) -> i32 {
    match watch_and_report(options, command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("lab: {error:#}");
            1
        }
    }
}

fn watch_and_report(options: &Options, command: &[OsString]) -> anyhow::Result<i32> {
    if !options.pictures {
        return watch_processes_only(options, command);
    }
    let name = program_name(command.first().map(OsString::as_os_str).unwrap_or_default());
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| Path::new("downloads").join(&name));
    // A run per way draws no trace: a trace shows one run.
    let each_way = match &options.each_way {
        Some((flag, ways)) if !names_a_way(command, flag) => {
            if let Some(path) = &options.trace {
                anyhow::bail!(
                    "--trace {}: a trace shows one run; add {flag} WAY ({})",
                    shown(path),
                    ways.join(", ")
                );
            }
            Some((flag.as_str(), ways.as_slice()))
        }
        _ => None,
    };
    // Removed again on the way out if the run left them empty, however it ends.
    let _made = prepare_folder(&out)?;
    refuse_to_replace_what_is_not_ours(&out)?;
    refuse_bad_lab_files(options, Some(&out))?;
    let server = match &options.url {
        Some(_) => None,
        None => Some(
            PictureServer::start(ServerConfig {
                latency: options.latency,
                bandwidth: options.bandwidth,
                faults: options.faults.clone(),
                ..ServerConfig::default()
            })
            .map_err(|error| anyhow::anyhow!("cannot start the picture server: {error}"))?,
        ),
    };
    let url = match (&options.url, &server) {
        (Some(url), _) => url.clone(),
        (None, Some(server)) => server.picture_url(options.picture.0, options.picture.1),
        (None, None) => TUTORIAL_URL.to_string(),
    };
    let source = match &server {
        Some(server) => server.describe(),
        None => "from --url; the lab sees no server side".into(),
    };
    let pictures = crate::units::count(options.count, "picture", "pictures");
    say(&format!(
        "lab: {name}, {pictures} into {}\n  from {} ({source})",
        shown(&out),
        without_password(&url)
    ));
    if options.url.is_some()
        && let Some((variable, proxy)) = proxy_for(&url)
    {
        // The local server is always reached directly (NO_PROXY); another one may not be.
        say(&format!(
            "  through the proxy {} ({variable} is set in the environment)",
            without_password(&proxy)
        ));
    }
    let stops = signals::listen();
    let setting = Setting {
        url: &url,
        out: &out,
        count: options.count,
        time_limit: options.time_limit,
        server: server.as_ref(),
        pass_through: true,
        pictures: true,
    };
    let mut record = match each_way {
        Some((flag, ways)) => watch_each_way(&setting, command, flag, ways, &stops)?,
        None => watch(&setting, command, &stops)?,
    };
    record.latency_ms = server.as_ref().map(|_| options.latency.as_millis() as u64);

    if let (Some(args), None) = (&options.compare, &record.stopped) {
        let scratch = tempfile::Builder::new()
            .prefix(".lab-compare-")
            .tempdir_in(&out)
            .map_err(|error| {
                anyhow::anyhow!("{}: cannot make a scratch folder: {error}", shown(&out))
            })?;
        let mut again = vec![command[0].clone()];
        again.extend(args.iter().cloned());
        let quiet = Setting {
            out: scratch.path(),
            pass_through: false,
            ..setting
        };
        let compared = watch(&quiet, &again, &stops)?;
        if let Some(stop) = &compared.stopped {
            record.stopped = Some(stop.clone());
        }
        record.comparison = Some(Comparison {
            program: compared.program.clone(),
            wall: compared.wall,
            exit: compared.exit,
            requests: compared.requests.len(),
        });
    }

    let mut code = exit_code(&record);
    // The summary is the run's last word on stdout. If it cannot be written (a full
    // disk), the program's output was lost too: that is said, and the run fails. A
    // reader that has gone (`| head`) is not a failure.
    // (Output already lost is said once, by `finish`.)
    let summary = writeln!(std::io::stdout(), "{}", report::summary(&record));
    if record.output_lost.is_none()
        && let Err(error) = summary
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("lab: cannot write to stdout: {error}");
        code = code.max(1);
    }
    Ok(finish(options, &record, code))
}

/// A program that downloads nothing: no server, no folder, no words of the lab's own
/// unless the run is stopped. Its output and its processes are watched all the same.
fn watch_processes_only(options: &Options, command: &[OsString]) -> anyhow::Result<i32> {
    refuse_bad_lab_files(options, None)?;
    let stops = signals::listen();
    let setting = Setting {
        url: "",
        out: Path::new(""),
        count: 0,
        time_limit: options.time_limit,
        server: None,
        pass_through: true,
        pictures: false,
    };
    let record = watch(&setting, command, &stops)?;
    Ok(finish(options, &record, exit_code(&record)))
}

/// How every watched run ends: says if the program's output was lost, writes
/// `--trace` and `--record` if asked. The exit status: `code`, or at least 1 if the
/// output was lost or a file could not be written.
fn finish(options: &Options, record: &Record, mut code: i32) -> i32 {
    if let Some(lost) = &record.output_lost {
        eprintln!("lab: {lost}");
        code = code.max(1);
    }
    if let Some(path) = &options.trace {
        match super::trace::write(path, record) {
            Ok(()) => say(&format!(
                "trace: {} (open it in https://ui.perfetto.dev)",
                shown(path)
            )),
            Err(error) => {
                eprintln!("lab: --trace {error}");
                code = code.max(1);
            }
        }
    }
    if let Some(path) = &options.record
        && let Err(error) = record.write(path)
    {
        eprintln!("lab: {error}");
        code = code.max(1);
    }
    code
}

/// The program's arguments already say which way (`--mode pool`, `--mode=pool`).
fn names_a_way(command: &[OsString], flag: &str) -> bool {
    command.iter().skip(1).any(|arg| {
        let arg = arg.to_string_lossy();
        arg == flag || arg.starts_with(&format!("{flag}="))
    })
}

/// Runs the program once per way, `flag WAY` added, each watched on its own into
/// the same folder; the record of the whole holds each run's in `ways`.
fn watch_each_way(
    setting: &Setting,
    command: &[OsString],
    flag: &str,
    ways: &[String],
    stops: &Receiver<Stop>,
) -> anyhow::Result<Record> {
    // Each connection is a socket at both ends, the server's here and the program's
    // there (the program inherits the limit): room for both, and some to spare.
    let wanted = 2 * setting.count as u64 + 256;
    if let Some(limit) = crate::usage::raise_open_files_limit(wanted).filter(|&l| l < wanted) {
        // Half the limit, less what a process holds anyway: tried at 64, 24 fit.
        let fit = (limit.saturating_sub(16) / 2).max(1);
        say(&format!(
            "lab: open files are limited to {limit} here (ulimit -n); {} at once need about \
             {wanted}. Fewer at once fit: --max-at-once {fit} --workers {fit} (a thread \
             each has no bound: it needs a file a picture)",
            setting.count
        ));
    }
    let mut runs: Vec<Record> = Vec::new();
    for way in ways {
        say(&format!("\n== {flag} {way}"));
        let mut again = command.to_vec();
        again.extend([OsString::from(flag), OsString::from(way)]);
        let run = watch(setting, &again, stops)?;
        let stopped = run.stopped.is_some();
        runs.push(run);
        if stopped {
            break;
        }
    }
    let failed = runs.iter().find(|run| !run.exit.success());
    Ok(Record {
        wall: runs.iter().map(|run| run.wall).sum(),
        exit: failed.map_or(
            Exit {
                code: Some(0),
                signal: None,
            },
            |run| run.exit,
        ),
        stopped: runs.iter().find_map(|run| run.stopped.clone()),
        cpu: runs.iter().map(|run| run.cpu).sum(),
        peak_memory: runs.iter().filter_map(|run| run.peak_memory).max(),
        ways: runs,
        ..Record::of(command, setting.url, setting.out, setting.count)
    })
}

/// The lab's exit status: the program's, or 128 + the signal that stopped the run.
fn exit_code(record: &Record) -> i32 {
    match record.stopped.as_deref() {
        Some("interrupted") => 130,
        Some("terminated") => 143,
        Some("hung up") => 129,
        Some(_) => 1,
        None => match (record.exit.code, record.exit.signal) {
            (Some(code), _) => code,
            (None, Some(signal)) => 128 + signal,
            (None, None) => 1,
        },
    }
}

/// Where and how one program is watched.
#[derive(Clone, Copy)]
pub struct Setting<'a> {
    pub url: &'a str,
    pub out: &'a Path,
    pub count: usize,
    pub time_limit: Duration,
    pub server: Option<&'a PictureServer>,
    /// Copy the program's output to the lab's (else only record it).
    pub pass_through: bool,
    /// The program downloads pictures: it is told where, and the folder is looked at.
    pub pictures: bool,
}

/// Runs `command` and watches it until its whole tree has ended.
pub fn watch(
    setting: &Setting,
    command: &[OsString],
    stops: &Receiver<Stop>,
) -> anyhow::Result<Record> {
    let Some((program, args)) = command.split_first() else {
        anyhow::bail!("no program to watch");
    };
    let before = setting.pictures.then(|| folder::snapshot(setting.out));
    let first_request = setting.server.map_or(0, |server| server.served().len());
    let owners = setting
        .server
        .map(|server| sockets::resolve(server.watch_clients(), server.addr()));
    become_subreaper();

    let mut child = Command::new(program);
    if setting.pictures {
        child
            .env("PICTURES_URL", setting.url)
            .env("PICTURES_DIR", setting.out)
            .env("PICTURES_COUNT", setting.count.to_string());
    }
    child
        .args(args)
        .env(WATCHED, "1")
        .env("NO_PROXY", no_proxy("NO_PROXY"))
        .env("no_proxy", no_proxy("no_proxy"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    in_own_process_group(&mut child);
    let started = Instant::now();
    let mut child = child
        .spawn()
        .map_err(|error| anyhow::anyhow!("cannot start {}: {error}", program.to_string_lossy()))?;
    let cpu_before = children_cpu_time();
    let mut whole_tree = WholeTree::of(&child);
    let root = child.id();
    let tree = tree::Tree::watch(root, started);
    let live = match setting.server {
        Some(server) if setting.pass_through && live::wanted() => {
            Some(live::Live::start(server, first_request))
        }
        _ => None,
    };
    let output_lost: Arc<Mutex<Option<String>>> = Arc::default();
    let pass_through = setting.pass_through.then(|| PassThrough {
        bars: live.as_ref().map(live::Live::bars),
        lost: output_lost.clone(),
    });
    let lines: Arc<Mutex<Kept>> = Arc::default();
    let readers =
        [
            child.stdout.take().map(|pipe| {
                read_lines(pipe, "stdout", started, lines.clone(), pass_through.clone())
            }),
            child.stderr.take().map(|pipe| {
                read_lines(pipe, "stderr", started, lines.clone(), pass_through.clone())
            }),
        ];

    let (exit, stopped) = follow(
        &mut child,
        &mut whole_tree,
        &tree,
        started,
        setting.time_limit,
        stops,
    );
    let ended = Instant::now();
    // The pipes close when the last process holding them ends; one that escaped the
    // tree and still holds them is not waited for.
    for reader in readers.into_iter().flatten() {
        join_within(reader, Duration::from_millis(500));
    }
    drop(live);
    // The CPU time of the lab's children that have ended, so far: this run's is what
    // it grew by (a lab may run the program more than once).
    let cpu = match (cpu_before, children_cpu_time()) {
        (Some(before), Some(after)) => Some((after - before).max(0.0)),
        _ => None,
    };
    let (seen, peak_memory) = tree.finish();
    // Whose temporary files may be removed: only on Linux does the lab see the tree.
    let ours: Option<Vec<u32>> =
        cfg!(target_os = "linux").then(|| seen.iter().map(|seen| seen.pid).collect());
    if let Some(stop) = &stopped {
        say(&format!(
            "lab: {stop}: stopped {} of {}",
            crate::units::count(seen.len(), "process", "processes"),
            program_name(program)
        ));
    }

    let owners = owners.map(|(owners, _resolver)| owners);
    let owners = owners
        .map(|owners| {
            owners
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone()
        })
        .unwrap_or_default();
    let seconds = |at: Instant| at.saturating_duration_since(started).as_secs_f64();
    let requests = setting
        .server
        .map(|server| server.served())
        .unwrap_or_default()
        .into_iter()
        .skip(first_request)
        .map(|served| record::Request {
            number: served.number,
            start: seconds(served.arrived),
            first_byte: served.first_byte.map(seconds),
            end: seconds(served.finished.unwrap_or(ended)),
            status: served.status,
            bytes: served.bytes,
            complete: served.complete,
            refused: served.refused,
            connection: served.client.to_string(),
            pid: owners.get(&served.number).copied(),
            target: served.target,
        })
        .collect();
    let processes = seen
        .iter()
        .map(|seen| record::Process {
            pid: seen.pid,
            parent: seen.parent,
            start: seconds(seen.first),
            end: seconds(seen.last),
            exit: seen.exit,
            threads: Some(seen.most_threads).filter(|&threads| threads > 0),
        })
        .collect();
    let lines = std::mem::take(
        &mut *lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    let (files, after) = match &before {
        Some(before) => folder::compare_keeping(setting.out, before, ours.as_deref()),
        None => (Vec::new(), folder::Snapshot::default()),
    };
    if let Err(error) = folder::note_made(setting.out, &files, &after) {
        say(&format!(
            "lab: cannot keep the list of the run's files: {error}"
        ));
    }
    Ok(Record {
        wall: seconds(ended),
        exit,
        stopped: stopped.map(str::to_string),
        requests,
        processes,
        lines_left_out: lines.left_out,
        output_lost: output_lost
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take(),
        lines: lines.head.into_iter().chain(lines.tail).collect(),
        files,
        cpu,
        peak_memory,
        ..Record::of(command, setting.url, setting.out, setting.count)
    })
}

/// Waits until the program has ended and no process of its tree is left; stops the
/// tree on a stop or at the time limit. Returns how the program ended and why it was
/// stopped, if it was.
fn follow(
    child: &mut Child,
    whole_tree: &mut WholeTree,
    tree: &tree::Tree,
    started: Instant,
    time_limit: Duration,
    stops: &Receiver<Stop>,
) -> (Exit, Option<&'static str>) {
    let root = child.id();
    let mut exit: Option<Exit> = None;
    let mut stopped: Option<(&'static str, Instant)> = None;
    loop {
        if exit.is_none()
            && let Ok(Some(status)) = child.try_wait()
        {
            let ended = exit_of(status);
            tree.ended(root, ended);
            exit = Some(ended);
        }
        reap_orphans(root, exit.is_some(), tree);
        if exit.is_some() {
            tree.sample_now();
            if tree.alive().is_empty() {
                break;
            }
        }
        let why = match stops.try_recv() {
            Ok(stop) => Some(stop.describe()),
            Err(_) if started.elapsed() > time_limit => Some("time limit"),
            Err(_) => None,
        };
        match (stopped, why) {
            (None, Some(why)) => {
                whole_tree.stop(child, &tree.alive(), false);
                stopped = Some((why, Instant::now()));
            }
            (Some((_, since)), _) if since.elapsed() > GRACE => {
                whole_tree.stop(child, &tree.alive(), true);
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (exit.unwrap_or_default(), stopped.map(|(why, _)| why))
}

fn exit_of(status: std::process::ExitStatus) -> Exit {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        Exit {
            code: status.code(),
            signal: status.signal(),
        }
    }
    #[cfg(not(unix))]
    Exit {
        code: status.code(),
        signal: None,
    }
}

/// The watched program's whole tree, to stop it: on Unix the program's process group
/// (see `in_own_process_group`) and each process seen, in case one left the group; on
/// Windows a job object that kills every process in it when it is closed. A process
/// joins the job when it starts, so its children join too; one started in the moment
/// between the program's start and its joining the job escapes it.
struct WholeTree {
    #[cfg(windows)]
    job: Option<win32job::Job>,
}

impl WholeTree {
    fn of(child: &Child) -> WholeTree {
        #[cfg(windows)]
        {
            use std::os::windows::io::AsRawHandle;
            let job = win32job::Job::create().ok().filter(|job| {
                let Ok(mut limits) = job.query_extended_limit_info() else {
                    return false;
                };
                limits.limit_kill_on_job_close();
                job.set_extended_limit_info(&limits).is_ok()
                    && job.assign_process(child.as_raw_handle() as isize).is_ok()
            });
            WholeTree { job }
        }
        #[cfg(not(windows))]
        {
            let _ = child;
            WholeTree {}
        }
    }

    /// Asks every process of the tree to end (SIGTERM), or kills it (`hard`: SIGKILL).
    /// Windows has no asking: the job is closed, which kills them all (or, with no
    /// job, the program alone).
    fn stop(&mut self, child: &mut Child, alive: &[u32], hard: bool) {
        #[cfg(unix)]
        {
            use nix::sys::signal::{Signal, kill, killpg};
            use nix::unistd::Pid;
            let signal = if hard {
                Signal::SIGKILL
            } else {
                Signal::SIGTERM
            };
            let pid = |pid: u32| Pid::from_raw(i32::try_from(pid).unwrap_or(i32::MAX));
            let _ = killpg(pid(child.id()), signal);
            for &process in alive {
                let _ = kill(pid(process), signal);
            }
        }
        #[cfg(windows)]
        {
            let _ = (alive, hard);
            self.job = None;
            let _ = child.kill();
        }
        #[cfg(not(any(unix, windows)))]
        {
            let _ = (alive, hard);
            let _ = child.kill();
        }
    }
}

/// Linux: orphans of the tree are re-parented to the lab instead of to init, so the
/// lab keeps seeing them and learns how they end.
fn become_subreaper() {
    #[cfg(target_os = "linux")]
    {
        let _ = nix::sys::prctl::set_child_subreaper(true);
    }
}

/// Waits for the lab's children other than the program (re-parented orphans), without
/// ever waiting for the program itself, which `Child::try_wait` does.
fn reap_orphans(root: u32, root_reaped: bool, tree: &tree::Tree) {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid, waitpid};
        use nix::unistd::Pid;
        loop {
            let peek = waitid(
                Id::All,
                WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT,
            );
            let pid = match peek {
                Ok(WaitStatus::Exited(pid, _)) | Ok(WaitStatus::Signaled(pid, _, _)) => pid,
                _ => return,
            };
            if pid.as_raw() as u32 == root && !root_reaped {
                return; // the program's own wait reaps it
            }
            let exit = match waitpid(Pid::from_raw(pid.as_raw()), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(_, code)) => Exit {
                    code: Some(code),
                    signal: None,
                },
                Ok(WaitStatus::Signaled(_, signal, _)) => Exit {
                    code: None,
                    signal: Some(signal as i32),
                },
                _ => return,
            };
            tree.ended(pid.as_raw() as u32, exit);
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (root, root_reaped, tree);
    }
}

fn in_own_process_group(command: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    #[cfg(not(unix))]
    {
        let _ = command;
    }
}

fn children_cpu_time() -> Option<f64> {
    crate::usage::children_cpu_time().map(|time| time.as_secs_f64())
}

/// The names the lab adds to the watched program's `NO_PROXY`: the local server is
/// always reached directly.
const LOOPBACK: &str = "127.0.0.1,localhost,::1";

/// The proxy the environment sends `url` through, as HTTP clients read it (reqwest's
/// `system-proxy` among them): the variable that names it, and its value. None when
/// no proxy variable is set, or when `NO_PROXY` (with the loopback names the lab adds
/// to it) lists the host.
fn proxy_for(url: &str) -> Option<(&'static str, String)> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed
        .host_str()?
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    let direct = ["NO_PROXY", "no_proxy"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .flat_map(|list| {
            list.split(',')
                .map(|entry| entry.trim().trim_start_matches('.').to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        // The lab adds the loopback names to the watched program's NO_PROXY.
        .chain(LOOPBACK.split(',').map(String::from))
        .any(|entry| entry == "*" || host == entry || host.ends_with(&format!(".{entry}")));
    if direct {
        return None;
    }
    let names: &[&'static str] = match parsed.scheme() {
        "https" => &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"],
        _ => &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"],
    };
    names.iter().find_map(|&name| {
        let value = std::env::var(name).ok()?;
        (!value.trim().is_empty()).then_some((name, value))
    })
}

/// `NO_PROXY` as it was, with the loopback addresses added.
fn no_proxy(name: &str) -> String {
    match std::env::var(name) {
        Ok(old) if !old.trim().is_empty() => format!("{old},{LOOPBACK}"),
        _ => LOOPBACK.to_string(),
    }
}

/// How the program's lines reach the lab's terminal: as they are, or above the live
/// view's bars.
#[derive(Clone)]
struct PassThrough {
    bars: Option<indicatif::MultiProgress>,
    /// Why a line could not be passed on (a full disk), the first time.
    lost: Arc<Mutex<Option<String>>>,
}

impl PassThrough {
    fn write(&self, stream: &str, line: &[u8]) {
        let write = || {
            let written = if stream == "stderr" {
                std::io::stderr().write_all(line)
            } else {
                std::io::stdout().write_all(line)
            };
            // A reader that has gone (`| head`) must not stop the watching, and is
            // not a failure. Any other error is: the output was lost.
            if let Err(error) = written
                && error.kind() != std::io::ErrorKind::BrokenPipe
            {
                let mut lost = self
                    .lost
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                lost.get_or_insert_with(|| format!("cannot write to {stream}: {error}"));
            }
        };
        match &self.bars {
            Some(bars) => bars.suspend(write),
            None => write(),
        }
    }
}

/// Reads one pipe line by line: each line is timestamped as it arrives, recorded, and
/// copied to the lab's own stream at once.
fn read_lines(
    pipe: impl Read + Send + 'static,
    stream: &'static str,
    started: Instant,
    lines: Arc<Mutex<Kept>>,
    pass_through: Option<PassThrough>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            line.clear();
            // A line longer than this is taken in pieces: output with no newline in
            // it must not fill the lab's memory.
            match reader.by_ref().take(MAX_LINE).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let time = started.elapsed().as_secs_f64();
            if let Some(pass_through) = &pass_through {
                pass_through.write(stream, &line);
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            let text = text.strip_suffix('\r').unwrap_or(text);
            lines
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .keep(Line {
                    time,
                    stream: stream.to_string(),
                    pid: None,
                    text: text.to_string(),
                });
        }
    })
}

/// The longest line the lab takes in one piece, in bytes. With [`record::KEPT_LINES`]
/// kept at each end, what the lab holds of any output is at most about 40 MB, even
/// for a gigabyte with no newline in it.
const MAX_LINE: u64 = 4 * 1024;

/// The lines a record keeps: the first and the last [`record::KEPT_LINES`], and how
/// many were left out between them.
#[derive(Default)]
struct Kept {
    head: Vec<Line>,
    tail: std::collections::VecDeque<Line>,
    left_out: usize,
}

impl Kept {
    fn keep(&mut self, line: Line) {
        if self.head.len() < record::KEPT_LINES {
            self.head.push(line);
            return;
        }
        if self.tail.len() == record::KEPT_LINES {
            self.tail.pop_front();
            self.left_out += 1;
        }
        self.tail.push_back(line);
    }
}

/// Waits for a thread for at most `limit` (a reader blocked on a pipe that something
/// outside the tree holds open is left behind).
fn join_within(thread: JoinHandle<()>, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !thread.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    if thread.is_finished() {
        let _ = thread.join();
    }
}

/// `lesson06` from `/path/to/target/debug/lesson06`, `python3` from `python3`.
pub fn program_name(program: &OsStr) -> String {
    Path::new(program)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".into())
}

/// The folders a run created for `--out`, outermost first.
struct MadeFolders(Vec<PathBuf>);

impl Drop for MadeFolders {
    /// A folder this run made and left empty goes again, innermost first;
    /// `remove_dir` refuses a folder with anything in it, so nothing else is lost.
    fn drop(&mut self) {
        for folder in self.0.iter().rev() {
            if std::fs::remove_dir(folder).is_err() {
                break;
            }
        }
    }
}

/// Creates the folder if needed and checks that a file can be written in it, so that
/// a bad `--out` is said before the program starts.
fn prepare_folder(folder: &Path) -> anyhow::Result<MadeFolders> {
    if folder.exists() && !folder.is_dir() {
        anyhow::bail!("--out {}: is not a folder", shown(folder));
    }
    let missing: Vec<PathBuf> = folder
        .ancestors()
        .filter(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(folder).map_err(|error| {
        anyhow::anyhow!("--out {}: cannot create the folder: {error}", shown(folder))
    })?;
    let made = MadeFolders(missing.into_iter().rev().collect());
    tempfile::Builder::new()
        .prefix(".lab-probe-")
        .suffix(".part")
        .tempfile_in(folder)
        .map_err(|error| {
            anyhow::anyhow!(
                "--out {}: cannot write in the folder: {error}",
                shown(folder)
            )
        })?;
    Ok(made)
}

/// A picture in the folder that no watched run wrote (a learner's own `0.jpg`) would
/// be replaced by the run: said before the program starts, and nothing is touched.
fn refuse_to_replace_what_is_not_ours(out: &Path) -> anyhow::Result<()> {
    let theirs = folder::not_ours(out);
    if let Some(first) = theirs.first() {
        let others = match theirs.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        anyhow::bail!(
            "--out {}: {first}{others} was not written by a run the lab watched, and the \
             run would replace it; move it away or choose another --out",
            shown(out)
        );
    }
    Ok(())
}

/// `--trace` and `--record`: each where it may go, and not both the same file.
fn refuse_bad_lab_files(options: &Options, out: Option<&Path>) -> anyhow::Result<()> {
    for (flag, path) in [("--trace", &options.trace), ("--record", &options.record)] {
        if let Some(path) = path {
            refuse_inside(flag, path, out)?;
        }
    }
    if let (Some(trace), Some(record)) = (&options.trace, &options.record) {
        let resolved = |path: &Path| std::fs::canonicalize(path).unwrap_or(path.to_path_buf());
        if trace == record || resolved(trace) == resolved(record) {
            anyhow::bail!(
                "--trace and --record both name {}: one would replace the other; give two files",
                shown(trace)
            );
        }
    }
    Ok(())
}

/// The lab's own files go into a folder that exists, and never into the pictures'
/// folder: one could replace a picture (`--trace out/0.jpg`), and the folder's check
/// would count it. Said before the program starts.
fn refuse_inside(flag: &str, path: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let absolute = |path: &Path| -> PathBuf {
        std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
    };
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty());
    let parent = parent.map_or_else(|| absolute(Path::new(".")), absolute);
    if !parent.is_dir() {
        anyhow::bail!(
            "{flag} {}: there is no folder {}",
            shown(path),
            shown(&parent)
        );
    }
    if path.is_dir() {
        anyhow::bail!("{flag} {}: is a folder; give a file name", shown(path));
    }
    let Some(out) = out else { return Ok(()) };
    let canonical = |path: PathBuf| std::fs::canonicalize(&path).unwrap_or(path);
    // Through a symbolic link, what gets written is the link's target: judge where
    // that is (`--trace mine.json` linked to `out/0.jpg` would replace a picture).
    let target = match std::fs::canonicalize(path) {
        Ok(target) => target,
        Err(_) => match std::fs::read_link(path) {
            Ok(target) => parent.join(target),
            Err(_) => path.to_path_buf(),
        },
    };
    let target_folder = target.parent().map(Path::to_path_buf);
    let folder = canonical(absolute(out));
    if canonical(parent) == folder || target_folder.map(canonical) == Some(folder) {
        anyhow::bail!(
            "{flag} {}: is in the pictures' folder {}; write it elsewhere",
            shown(path),
            shown(out)
        );
    }
    Ok(())
}

/// `url` without its user name and password, for printing.
fn without_password(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() || !parsed.username().is_empty() => {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// A path as one line: control characters (a newline, a tab) escaped.
pub fn shown(path: &Path) -> String {
    path.display().to_string().escape_debug().to_string()
}
