"""Lesson 07 in Python: start the processes and never join them.

"all done" comes at once; the files still arrive, because CPython joins non-daemon
children when the interpreter exits.
"""
import os
import time
from multiprocessing import Process
from common import arguments, download_image

if __name__ == "__main__":
    url, count, folder = arguments("join_omitted")
    start = time.perf_counter()
    for i in range(count):
        Process(target=download_image, args=(url, i, folder)).start()
    on_disk = sum(os.path.exists(os.path.join(folder, f"{i}.jpg")) for i in range(count))
    print(f"took {time.perf_counter() - start:.3f} s (all done, {on_disk} of {count} pictures on disk)")
