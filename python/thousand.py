"""Lesson 12 in Python: N downloads with a thread pool, a process pool, and asyncio.

python3 thousand.py [--way threads|processes|asyncio] URL [COUNT] [FOLDER]
(standard library only). Prints one line per way: how long COUNT downloads took and
how many arrived. With --way, only that way.
"""
import asyncio
import os
import sys
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from common import arguments, download_image


def fetch(job):
    url, i, folder = job
    try:
        download_image(url, i, folder)
        return True
    except OSError:
        return False


async def fetch_async(url, i, folder, limit):
    """An HTTP/1.1 GET over asyncio streams: a few lines, no threads."""
    async with limit:
        try:
            return await get_and_save(url, i, folder)
        except OSError:
            return False


async def get_and_save(url, i, folder):
    parts = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    request = (
        f"GET {parts.path} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(request.encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        return False
    with open(os.path.join(folder, f"{i}.jpg"), "wb") as f:
        f.write(body)
    return True


async def all_async(url, count, folder):
    limit = asyncio.Semaphore(count)
    downloads = [fetch_async(url, i, folder, limit) for i in range(count)]
    return await asyncio.gather(*downloads)


if __name__ == "__main__":
    only = None
    if "--way" in sys.argv:
        at = sys.argv.index("--way")
        only = sys.argv[at + 1] if at + 1 < len(sys.argv) else ""
        del sys.argv[at:at + 2]
        if only not in ("threads", "processes", "asyncio"):
            sys.exit("--way needs one of: threads, processes, asyncio")
    url, count, folder = arguments("thousand")
    jobs = [(url, i, folder) for i in range(count)]

    def with_threads():
        return list(ThreadPoolExecutor(count).map(fetch, jobs))

    def with_processes():
        return list(ProcessPoolExecutor(64).map(fetch, jobs, chunksize=1))

    def with_asyncio():
        return asyncio.run(all_async(url, count, folder))

    for way, name, run in [
        ("threads", "ThreadPoolExecutor(%d)" % count, with_threads),
        ("processes", "ProcessPoolExecutor(64)", with_processes),
        ("asyncio", "asyncio streams", with_asyncio),
    ]:
        if only and way != only:
            continue
        start = time.perf_counter()
        arrived = sum(run())
        took = time.perf_counter() - start
        print(f"{name:<24} {took:7.3f} s, {arrived} of {count} arrived", flush=True)
