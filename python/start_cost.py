"""Lessons 01 and 03 in Python: start and join an empty process, per start method, and a thread."""
import multiprocessing
import statistics
import sys
import threading
import time


def nothing():
    pass


def median_ms(start_one, times):
    samples = []
    for _ in range(times):
        t = time.perf_counter()
        start_one()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def process_with(context):
    def start_one():
        p = context.Process(target=nothing)
        p.start()
        p.join()
    return start_one


def thread():
    t = threading.Thread(target=nothing)
    t.start()
    t.join()


if __name__ == "__main__":
    times = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"thread: median {median_ms(thread, times):.3f} ms")
    for method in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context(method)
        print(f"process ({method}): median {median_ms(process_with(context), times):.3f} ms")
