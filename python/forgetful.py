"""Lesson 07's forgetful program in Python: start a process per picture, never join.

python3 forgetful.py URL [COUNT] [FOLDER] [daemon]
Prints when "all done" comes and when each child saves its picture, on the parent's
clock.
With "daemon", the children are daemon processes: killed when the interpreter exits.
"""
import os
import sys
import time
from multiprocessing import Process, set_start_method
from common import arguments, download_image, written_since



def download_and_say(url, i, folder, start):
    # `start` comes from the parent: under spawn, a module-level clock would restart
    # in every child, which runs this file again.
    download_image(url, i, folder)
    # One write per line: five processes share this output, and print() may write the
    # text and its line break separately, letting another child's line in between.
    sys.stdout.write(f"{time.time() - start:.3f} s: child {os.getpid()} saved {i}.jpg\n")
    sys.stdout.flush()


if __name__ == "__main__":
    start = time.time()
    set_start_method("spawn")  # the same on every OS, like the workbook's processes
    url, count, folder = arguments("forgetful")
    daemon = sys.argv[-1] == "daemon"
    for i in range(count):
        Process(target=download_and_say, args=(url, i, folder, start), daemon=daemon).start()
    on_disk = written_since(folder, count, start)
    print(f"{time.time() - start:.3f} s: all done, {on_disk} files on disk", flush=True)
