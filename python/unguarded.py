"""Lesson 08: a multiprocessing program without the main guard, under spawn.

The top level runs again in the child; there, starting a process raises RuntimeError.
The parent does not notice: its child exits with code 1 and the parent with 0.
"""
import os
from multiprocessing import Process, set_start_method


def work():
    print("working")


print(f"top level runs in pid {os.getpid()}", flush=True)
set_start_method("spawn", force=True)
p = Process(target=work)  # no guard: this runs again in the child
p.start()
p.join()
print(f"pid {os.getpid()}: child exit code {p.exitcode}", flush=True)
