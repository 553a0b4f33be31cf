//! `workbook::process` on real child processes.
//!
//! A child is this very program run again, so this test has its own `main` (no libtest
//! harness) whose first line is the guard, exactly like a lesson.

use std::time::Duration;

use workbook::event::EventKind;
use workbook::process::{self, Process, ProcessError, Task};
use workbook::queue::{self, Queue};
use workbook::run::Clock;
use workbook::timeline::{self, Timeline};

/// A timeline that keeps what children send, without printing.
fn quiet_timeline() -> Timeline {
    Timeline::quiet(Clock::start())
}

const REPORT: Task = Task {
    name: "report",
    run: report,
};
const FAIL: Task = Task {
    name: "fail",
    run: |_| anyhow::bail!("the task gave up"),
};
const PANIC: Task = Task {
    name: "panic",
    run: |_| panic!("the task panicked"),
};
const SLEEP: Task = Task {
    name: "sleep",
    run: sleep,
};
const SQUARE: Task = Task {
    name: "square",
    run: square,
};
const UNKNOWN: Task = Task {
    name: "not-registered",
    run: |_| Ok(()),
};

/// Records one event whose "url" is the task's arguments, joined.
fn report(args: &[String]) -> anyhow::Result<()> {
    Timeline::to_parent().record(
        7,
        EventKind::Started {
            url: args.join(" "),
        },
    );
    println!("an ordinary line from the child");
    Ok(())
}

/// Puts the square of each argument on the queue.
fn square(args: &[String]) -> anyhow::Result<()> {
    for n in args {
        let n: u64 = n.parse()?;
        queue::put_to_parent(&format!("{n} {}", n * n));
    }
    Ok(())
}

/// Sleeps for args[0] milliseconds between a start and an end event.
fn sleep(args: &[String]) -> anyhow::Result<()> {
    let ms: u64 = args.first().map_or(Ok(0), |a| a.parse())?;
    let timeline = Timeline::to_parent();
    timeline.record(0, EventKind::Started { url: String::new() });
    std::thread::sleep(Duration::from_millis(ms));
    timeline.record(
        0,
        EventKind::Failed {
            reason: "slept".into(),
        },
    );
    Ok(())
}

fn child_reports_its_name_pid_and_arguments() {
    let timeline = quiet_timeline();
    let child = Process::new(&REPORT)
        .timeline(&timeline)
        .name("reporter")
        .arg("a b")
        .arg("c")
        .start()
        .expect("starts");
    let pid = child.pid();
    let exit = child.join().expect("joins");
    assert!(exit.success(), "{exit}");
    assert_eq!(exit.code(), Some(0));
    let events = timeline.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].worker, "reporter");
    assert_eq!(events[0].pid, pid);
    assert_ne!(pid, std::process::id(), "the child is another process");
    assert_eq!(events[0].file, 7);
    assert_eq!(
        events[0].kind,
        EventKind::Started {
            url: "a b c".into()
        }
    );
}

fn default_names_count_like_python() {
    let child = Process::new(&REPORT)
        .timeline(&quiet_timeline())
        .start()
        .expect("starts");
    assert!(child.name().starts_with("Process-"), "{}", child.name());
    child.join().expect("joins");
}

fn a_failing_task_exits_1_and_is_named() {
    let exit = Process::new(&FAIL)
        .name("quitter")
        .start()
        .expect("starts")
        .join()
        .expect("joins");
    assert_eq!(exit.code(), Some(1));
    let error = exit.require_success().expect_err("failed");
    assert!(matches!(error, ProcessError::Failed(_)));
    let message = error.to_string();
    assert!(
        message.contains("quitter") && message.contains("status 1"),
        "{message}"
    );
}

fn a_panicking_child_does_not_take_the_parent_down() {
    let exit = Process::new(&PANIC)
        .name("crasher")
        .start()
        .expect("starts")
        .join()
        .expect("joins");
    assert_eq!(exit.code(), Some(101), "Rust's exit code after a panic");
    assert!(exit.to_string().contains("crasher"));
}

fn an_unknown_task_exits_2() {
    let exit = Process::new(&UNKNOWN)
        .start()
        .expect("starts")
        .join()
        .expect("joins");
    assert_eq!(exit.code(), Some(2));
}

#[cfg(unix)]
fn a_killed_child_is_reported_with_its_signal() {
    use std::time::Instant;
    let timeline = quiet_timeline();
    let child = Process::new(&SLEEP)
        .name("victim")
        .arg("30000")
        .timeline(&timeline)
        .start()
        .expect("starts");
    // Wait until it has started its task, then kill it from outside.
    let deadline = Instant::now() + Duration::from_secs(20);
    while timeline.events().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the child never started its task"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &child.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let exit = child.join().expect("join returns, it does not hang");
    assert!(!exit.success());
    assert_eq!(exit.code(), None);
    let text = exit.to_string();
    assert!(
        text.contains("victim") && text.contains("signal 9 (SIGKILL)"),
        "{text}"
    );
}

fn children_run_at_the_same_time() {
    let timeline = quiet_timeline();
    let children: Vec<_> = (0..3)
        .map(|i| {
            Process::new(&SLEEP)
                .timeline(&timeline)
                .name(format!("sleeper {i}"))
                .arg("300")
                .start()
                .expect("starts")
        })
        .collect();
    for child in children {
        assert!(child.join().expect("joins").success());
    }
    let bars = timeline::bars(&timeline.events());
    assert_eq!(bars.len(), 3);
    let last_start = bars.iter().map(|b| b.start).max().expect("3");
    let first_end = bars.iter().map(|b| b.end).min().expect("3");
    assert!(
        last_start < first_end,
        "the three sleeps did not overlap: {bars:?}"
    );
}

fn children_send_results_through_the_queue() {
    let queue = Queue::new();
    let children: Vec<_> = [["2", "3"], ["4", "5"]]
        .into_iter()
        .map(|args| {
            Process::new(&SQUARE)
                .args(args)
                .queue(&queue)
                .start()
                .expect("starts")
        })
        .collect();
    let mut results: Vec<String> = (0..4)
        .map(|_| {
            queue
                .get(Duration::from_secs(10))
                .expect("a result arrives")
        })
        .collect();
    results.sort();
    assert_eq!(results, ["2 4", "3 9", "4 16", "5 25"]);
    for child in children {
        assert!(child.join().expect("joins").success());
    }
    assert_eq!(queue.get(Duration::from_millis(10)), None, "nothing more");
}

/// A stray variable from an older workbook, or from anywhere, must not make a normal
/// run think it is a child: only the command-line marker does.
fn an_inherited_task_variable_changes_nothing() {
    let output = std::process::Command::new(std::env::current_exe().expect("exe"))
        .arg("--only-print-role")
        .env("WORKBOOK_TASK", "download_image")
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "main\n");
}

fn main() {
    process::init(&[REPORT, FAIL, PANIC, SLEEP, SQUARE]);
    if std::env::args().any(|arg| arg == "--only-print-role") {
        println!(
            "{}",
            if workbook::run::is_child() {
                "child"
            } else {
                "main"
            }
        );
        return;
    }
    // No test may hang: after two minutes, the whole run fails.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(120));
        eprintln!("tests/process.rs: still running after 120 s: a test hangs");
        std::process::exit(1);
    });

    let tests: &[(&str, fn())] = &[
        (
            "child_reports_its_name_pid_and_arguments",
            child_reports_its_name_pid_and_arguments,
        ),
        (
            "default_names_count_like_python",
            default_names_count_like_python,
        ),
        (
            "a_failing_task_exits_1_and_is_named",
            a_failing_task_exits_1_and_is_named,
        ),
        (
            "a_panicking_child_does_not_take_the_parent_down",
            a_panicking_child_does_not_take_the_parent_down,
        ),
        ("an_unknown_task_exits_2", an_unknown_task_exits_2),
        #[cfg(unix)]
        (
            "a_killed_child_is_reported_with_its_signal",
            a_killed_child_is_reported_with_its_signal,
        ),
        (
            "children_run_at_the_same_time",
            children_run_at_the_same_time,
        ),
        (
            "children_send_results_through_the_queue",
            children_send_results_through_the_queue,
        ),
        (
            "an_inherited_task_variable_changes_nothing",
            an_inherited_task_variable_changes_nothing,
        ),
    ];
    let mut failed = 0;
    for (name, test) in tests {
        match std::panic::catch_unwind(test) {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    println!("{} passed, {failed} failed", tests.len() - failed);
    if failed > 0 {
        std::process::exit(1);
    }
}
