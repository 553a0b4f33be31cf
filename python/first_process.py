"""Lesson 03: one child process, created, started and joined."""
import os
from multiprocessing import Process, current_process


def greet():
    print(f"hello from {current_process().name} (pid {os.getpid()}),"
          f" my parent is pid {os.getppid()}", flush=True)


if __name__ == "__main__":
    p = Process(target=greet)   # create: nothing runs yet
    p.start()                   # start: the OS creates the child
    p.join()                    # join: wait until it has ended
    print(f"{p.name} exit code {p.exitcode}")
