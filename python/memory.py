"""Lesson 01 in Python: a thread changes our counter, a child process its own copy.

python3 memory.py [spawn|fork]   (fork: Unix only)
"""
import sys
import threading
import multiprocessing

counter = 0


def add_one():
    global counter
    counter += 1
    print(f"  in the worker, the counter is now {counter}", flush=True)


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "spawn"
    multiprocessing.set_start_method(method)
    t = threading.Thread(target=add_one)
    t.start()
    t.join()
    print(f"after a thread added 1:        {counter}")
    p = multiprocessing.Process(target=add_one)
    p.start()
    p.join()
    print(f"after a child process added 1: {counter}  (start method: {method})")
