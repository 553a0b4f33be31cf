"""What the Python programs share: arguments, the download itself, and the optional
trace of who downloaded what when (stdlib only)."""
import atexit
import json
import multiprocessing
import os
import sys
import threading
import time
import urllib.request


def arguments(name):
    """[--trace FILE] URL [COUNT] [FOLDER] from the command line, else PICTURES_URL,
    PICTURES_COUNT and PICTURES_DIR from the environment. Old pictures in the
    folder are left alone (the run overwrites those it downloads): count this run's with
    written_since. With --trace, the run's downloads go to FILE as the Rust lessons write
    them (Chrome's trace event format: open it in https://ui.perfetto.dev)."""
    args = sys.argv[1:]
    if "--trace" in args:
        at = args.index("--trace")
        if at + 1 >= len(args):
            sys.exit("--trace needs a file name, e.g. --trace python.json")
        trace = args[at + 1]
        del args[at:at + 2]
    else:
        trace = None
    # Under the workbook's lab (`cargo run --bin lab -- python3 python/fixed.py`), the
    # environment says where things are; arguments still win.
    env = os.environ
    if not args and "PICTURES_URL" not in env:
        sys.exit(f"usage: python3 {name}.py [--trace FILE] URL [COUNT] [FOLDER]   e.g. http://127.0.0.1:8000/200/3000")
    url = args[0] if args else env["PICTURES_URL"]
    count = int(args[1]) if len(args) > 1 else int(env.get("PICTURES_COUNT", 5))
    folder = args[2] if len(args) > 2 else env.get("PICTURES_DIR", os.path.join("downloads", "python", name))
    os.makedirs(folder, exist_ok=True)
    if trace is not None:
        start_trace(trace, folder)
    return url, count, folder


def written_since(folder, count, since):
    """How many of 0.jpg .. <count - 1>.jpg in folder were written at or after `since`
    (a time.time() value; 20 ms of slack for the file system's coarser clock)."""
    written = 0
    for i in range(count):
        try:
            written += os.path.getmtime(os.path.join(folder, f"{i}.jpg")) >= since - 0.02
        except OSError:
            pass
    return written


def download_image(url, i, folder):
    """The tutorial's download: fetch the URL, write it to <folder>/<i>.jpg."""
    started = time.time()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read()
        with open(os.path.join(folder, f"{i}.jpg"), "wb") as f:
            f.write(data)
    except Exception as error:
        record(i, url, started, failed=str(error))
        raise
    record(i, url, started)


# The trace. Every process appends one line per download to a file whose name is in the
# environment (children inherit it, under fork and spawn alike); the process the user
# started turns the lines into the trace when it exits.
EVENTS = "WORKBOOK_TRACE_EVENTS"
START = "WORKBOOK_TRACE_START"


def start_trace(path, pictures):
    """The trace replaces a regular file whole, and nothing else: not a device, a pipe
    or a link (`--trace /dev/null` stays a device), and nothing in the pictures' folder."""
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path) or not os.path.isdir(folder):
        sys.exit(f"--trace {path}: cannot write a file there")
    if os.path.islink(path) or (os.path.exists(path) and not os.path.isfile(path)):
        sys.exit(f"--trace {path}: is not a regular file; give a file name")
    if os.path.samefile(folder, pictures):
        sys.exit(f"--trace {path}: is in the pictures' folder {pictures}; write it elsewhere")
    os.environ[EVENTS] = os.path.join(folder, f".workbook-tmp-{os.getpid()}-0-trace-events")
    os.environ[START] = repr(time.time())
    atexit.register(write_trace, path)


def record(i, url, started, failed=None):
    """One download's line, appended in a single write so that lines of processes
    writing at the same time never mix."""
    if EVENTS not in os.environ:
        return
    line = json.dumps({
        "pid": os.getpid(), "process": multiprocessing.current_process().name,
        "thread": threading.current_thread().name, "file": i, "url": url,
        "start": started, "end": time.time(), "failed": failed,
    }) + "\n"
    fd = os.open(os.environ[EVENTS], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def write_trace(path):
    events_file, zero = os.environ[EVENTS], float(os.environ[START])
    try:
        with open(events_file) as f:
            downloads = [json.loads(line) for line in f]
        os.remove(events_file)
    except FileNotFoundError:
        downloads = []
    micros = lambda t: (t - zero) * 1e6
    rows, named, trace = {}, set(), []
    for d in downloads:
        if d["pid"] not in named:
            named.add(d["pid"])
            trace.append({"name": "process_name", "ph": "M", "pid": d["pid"],
                          "args": {"name": f"pid {d['pid']} {d['process']}"}})
        key = (d["pid"], d["thread"])
        if key not in rows:
            rows[key] = len(rows) + 1
            trace.append({"name": "thread_name", "ph": "M", "pid": d["pid"], "tid": rows[key],
                          "args": {"name": d["thread"]}})
        name = f"file {d['file']}" + (" FAILED" if d["failed"] else "")
        where = {"pid": d["pid"], "tid": rows[key]}
        trace.append({"name": name, "cat": "download", "ph": "X", "ts": micros(d["start"]),
                      "dur": micros(d["end"]) - micros(d["start"]), **where,
                      "args": {"url": d["url"], "failed": d["failed"]}})
        if d["failed"]:
            trace.append({"name": name, "cat": "failure", "ph": "i", "s": "t",
                          "ts": micros(d["end"]), **where, "args": {"reason": d["failed"]}})
    temporary = os.path.join(os.path.dirname(path) or ".", f".workbook-tmp-{os.getpid()}-1-trace")
    with open(temporary, "w") as f:
        json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)
    os.replace(temporary, path)
    print(f"trace: {path} (open it in https://ui.perfetto.dev)", file=sys.stderr)
