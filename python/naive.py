"""Lesson 05 in Python: the mistake. The loop calls the download AND starts a process for it."""
import time
from multiprocessing import Process
from common import arguments, download_image

if __name__ == "__main__":
    url, count, folder = arguments("naive")
    start = time.perf_counter()
    processes = []
    for i in range(count):
        download_image(url, i, folder)  # downloads right here, and waits...
        p = Process(target=download_image, args=(url, i, folder))  # ...and again in a child
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
    print(f"took {time.perf_counter() - start:.3f} s")
