"""What the Python programs share: arguments and the download itself (stdlib only)."""
import os
import sys
import urllib.request


def arguments(name):
    """URL [COUNT] [FOLDER] from the command line. Old pictures in the folder are left
    alone (the run overwrites those it downloads): count this run's with written_since."""
    if len(sys.argv) < 2:
        sys.exit(f"usage: python3 {name}.py URL [COUNT] [FOLDER]   e.g. http://127.0.0.1:8000/200/3000")
    url = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    folder = sys.argv[3] if len(sys.argv) > 3 else os.path.join("downloads", "python", name)
    os.makedirs(folder, exist_ok=True)
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
    with urllib.request.urlopen(url, timeout=30) as response:
        data = response.read()
    with open(os.path.join(folder, f"{i}.jpg"), "wb") as f:
        f.write(data)
