"""Lesson 02: the tools of multiprocessing in one short program."""
from multiprocessing import Pool, Process, Queue, cpu_count, current_process


def sum_of_squares(n):
    return sum(k * k for k in range(n))


def introduce(q):
    me = current_process()
    q.put(f"{me.name} (pid {me.pid}) is here")


if __name__ == "__main__":
    print("cpu_count:", cpu_count())
    print("current_process:", current_process().name)
    q = Queue()
    children = [Process(target=introduce, args=(q,)) for _ in range(3)]
    for p in children:
        p.start()
    for _ in children:          # one message per child: get them all, then join
        print("got:", q.get(timeout=10))
    for p in children:
        p.join()
    items = [m * 100_000 for m in range(1, 9)]  # a tenth of the Rust items
    with Pool(cpu_count()) as pool:
        print("Pool.map:", pool.map(sum_of_squares, items)[:1], "...")
