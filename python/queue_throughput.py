"""Lesson 11 in Python: messages per second through multiprocessing.Queue.

python3 queue_throughput.py [N]   prints "<messages per second> messages/s"
One child process puts N numbers on the queue; the parent gets them all.
"""
import sys
import time
from multiprocessing import Process, Queue


def send_many(queue, n):
    for k in range(n):
        queue.put(k)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    queue = Queue()
    start = time.perf_counter()
    child = Process(target=send_many, args=(queue, n))
    child.start()
    for _ in range(n):  # get before join: a child with items still queued cannot end
        queue.get()
    child.join()
    took = time.perf_counter() - start
    print(f"{n / took:.0f} messages/s")
