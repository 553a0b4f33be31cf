"""Lesson 06 in Python: start every process, then join them all."""
import time
from multiprocessing import Process
from common import arguments, download_image

if __name__ == "__main__":
    url, count, folder = arguments("fixed")
    start = time.perf_counter()
    processes = [Process(target=download_image, args=(url, i, folder)) for i in range(count)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    print(f"took {time.perf_counter() - start:.3f} s")
