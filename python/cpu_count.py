"""Lesson 09 in Python: what cpu_count() says, and what this process may really use."""
import multiprocessing
import os

if __name__ == "__main__":
    print(f"multiprocessing.cpu_count(): {multiprocessing.cpu_count()}")
    if hasattr(os, "sched_getaffinity"):
        print(f"len(os.sched_getaffinity(0)): {len(os.sched_getaffinity(0))}")
    if hasattr(os, "process_cpu_count"):
        print(f"os.process_cpu_count(): {os.process_cpu_count()}")
