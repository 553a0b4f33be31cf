//! `workbook::process` on real child processes.
//!
//! A child is this very program run again, so this test has its own `main` (no libtest
//! harness) whose first line is the guard, exactly like a lesson.

use std::time::Duration;

use workbook::process::{self, Process, ProcessError, Task};
use workbook::timeline::{self, What};

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
    timeline::record(
        7,
        What::Started {
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
        process::put(&format!("{n} {}", n * n));
    }
    Ok(())
}

/// Sleeps for args[0] milliseconds between a start and an end event.
fn sleep(args: &[String]) -> anyhow::Result<()> {
    let ms: u64 = args.first().map_or(Ok(0), |a| a.parse())?;
    timeline::record(0, What::Started { url: String::new() });
    std::thread::sleep(Duration::from_millis(ms));
    timeline::record(
        0,
        What::Failed {
            reason: "slept".into(),
        },
    );
    Ok(())
}

fn child_reports_its_name_pid_and_arguments() {
    let child = Process::new(&REPORT)
        .name("reporter")
        .arg("a b")
        .arg("c")
        .start()
        .expect("starts");
    let pid = child.pid();
    let exit = child.join().expect("joins");
    assert!(exit.success(), "{exit}");
    assert_eq!(exit.code(), Some(0));
    let events = timeline::take_events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].worker, "reporter");
    assert_eq!(events[0].pid, pid);
    assert_ne!(pid, std::process::id(), "the child is another process");
    assert_eq!(events[0].file, 7);
    assert_eq!(
        events[0].what,
        What::Started {
            url: "a b c".into()
        }
    );
}

fn default_names_count_like_python() {
    let child = Process::new(&REPORT).start().expect("starts");
    assert!(child.name().starts_with("Process-"), "{}", child.name());
    child.join().expect("joins");
    timeline::take_events();
}

fn a_failing_task_exits_1_and_is_named() {
    let exit = Process::new(&FAIL)
        .name("quitter")
        .start()
        .expect("starts")
        .join()
        .expect("joins");
    assert_eq!(exit.code(), Some(1));
    let error = exit.ok().expect_err("failed");
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
    let child = Process::new(&SLEEP)
        .name("victim")
        .arg("30000")
        .start()
        .expect("starts");
    // Wait until it has started its task, then kill it from outside.
    while timeline::take_events().is_empty() {
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
    let children: Vec<_> = (0..3)
        .map(|i| {
            Process::new(&SLEEP)
                .name(format!("sleeper {i}"))
                .arg("300")
                .start()
                .expect("starts")
        })
        .collect();
    for child in children {
        assert!(child.join().expect("joins").success());
    }
    let bars = timeline::bars(&timeline::take_events());
    assert_eq!(bars.len(), 3);
    let last_start = bars.iter().map(|b| b.start).max().expect("3");
    let first_end = bars.iter().map(|b| b.end).min().expect("3");
    assert!(
        last_start < first_end,
        "the three sleeps did not overlap: {bars:?}"
    );
}

fn children_send_results_through_the_queue() {
    let children: Vec<_> = [["2", "3"], ["4", "5"]]
        .into_iter()
        .map(|args| Process::new(&SQUARE).args(args).start().expect("starts"))
        .collect();
    let mut results: Vec<String> = (0..4)
        .map(|_| process::get(Duration::from_secs(10)).expect("a result arrives"))
        .collect();
    results.sort();
    assert_eq!(results, ["2 4", "3 9", "4 16", "5 25"]);
    for child in children {
        assert!(child.join().expect("joins").success());
    }
    assert_eq!(
        process::get(Duration::from_millis(10)),
        None,
        "nothing more"
    );
}

fn main() {
    process::init(&[REPORT, FAIL, PANIC, SLEEP, SQUARE]);
    timeline::set_quiet(true);

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
