#!/usr/bin/env python3
"""Baseline: the lesson's own map-reduce word count, in Python 3 standard library only.

Written for Weft's benchmark after the "Map-Reduce Pattern" lesson: the input's lines are split into
one chunk per process, a multiprocessing.Pool maps each chunk to a dict of counts
(``text.lower().split()`` per line), and functools.reduce merges the dicts pairwise. It is kept as
naive as the lesson on purpose: it is the baseline a reader of the lesson would run.

Usage: lesson.py FILE [--processes N] [--top N] [--counts] [--primes N --tasks K]
Prints one JSON document on stdout.
"""

import argparse
import json
import multiprocessing
import resource
import sys
import time
from functools import reduce


def map_word_count(lines):
    """Map: count the lower-cased, whitespace-split words of a chunk of lines."""
    counts = {}
    for line in lines:
        for word in line.lower().split():
            counts[word] = counts.get(word, 0) + 1
    return counts


def reduce_word_count(left, right):
    """Reduce: merge two count dicts into a new one."""
    merged = left.copy()
    for word, count in right.items():
        merged[word] = merged.get(word, 0) + count
    return merged


def count_primes_below(n):
    """The lesson's CPU-bound task: primes below n by trial division."""

    def is_prime(num):
        if num < 2:
            return False
        for i in range(2, int(num**0.5) + 1):
            if num % i == 0:
                return False
        return True

    return sum(1 for i in range(2, n) if is_prime(i))


def peak_rss_kb():
    # ru_maxrss is in KB on Linux. RUSAGE_CHILDREN gives the largest single child, not the sum, so
    # the benchmark runner also samples the whole process tree from outside.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own, children


def word_count(path, processes, top, with_counts):
    start = time.perf_counter()
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    chunk_size = max(1, len(lines) // processes)
    chunks = [lines[i : i + chunk_size] for i in range(0, len(lines), chunk_size)]
    with multiprocessing.Pool(processes=processes) as pool:
        mapped = pool.map(map_word_count, chunks)
    counts = reduce(reduce_word_count, mapped) if mapped else {}
    elapsed = time.perf_counter() - start
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    own, children = peak_rss_kb()
    result = {
        "baseline": "python-lesson",
        "elapsedMs": elapsed * 1000,
        "tokens": sum(counts.values()),
        "distinct": len(counts),
        "top": [[word, count] for word, count in ranked],
        "maxRssKb": own,
        "maxChildRssKb": children,
        "processes": processes,
        "chunks": len(chunks),
    }
    if with_counts:
        result["counts"] = counts
    return result


def primes(n, tasks):
    start = time.perf_counter()
    counts = [count_primes_below(n) for _ in range(tasks)]
    elapsed = time.perf_counter() - start
    own, _ = peak_rss_kb()
    return {"baseline": "python-primes", "elapsedMs": elapsed * 1000, "counts": counts, "maxRssKb": own}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--processes", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--counts", action="store_true", help="include every word's count")
    parser.add_argument("--primes", type=int, help="count primes below N instead of words")
    parser.add_argument("--tasks", type=int, default=1, help="with --primes: how many times, sequentially")
    args = parser.parse_args(argv)
    if args.primes is not None:
        result = primes(args.primes, args.tasks)
    elif args.file is None:
        parser.error("FILE is required unless --primes is given")
    else:
        result = word_count(args.file, max(1, args.processes), args.top, args.counts)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
