"""Lesson 07 in Python: start the processes and never join them.

"all done" comes at once; the files still arrive, because CPython joins non-daemon
children when the interpreter exits.
"""
import os
import time
from multiprocessing import Process
from common import arguments, download_image, written_since

if __name__ == "__main__":
    url, count, folder = arguments("join_omitted")
    start, started_at = time.perf_counter(), time.time()
    for i in range(count):
        Process(target=download_image, args=(url, i, folder)).start()
    on_disk = written_since(folder, count, started_at)
    print(f"took {time.perf_counter() - start:.3f} s (all done, {on_disk} of {count} pictures on disk)")
