"""Lesson 04 in Python: the pictures one after another."""
import time
from common import arguments, download_image

if __name__ == "__main__":
    url, count, folder = arguments("sequential")
    start = time.perf_counter()
    for i in range(count):
        download_image(url, i, folder)
    print(f"took {time.perf_counter() - start:.3f} s")
