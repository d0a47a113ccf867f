"""Timing and query counting shared by the benchmarks."""

import statistics
import time

from django.db import connection

SLOW_REPEAT = 5


def timed(fn) -> float:
    """Milliseconds `fn()` takes."""
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def compare(ours, reference, repeat: int) -> tuple[float, float]:
    """Median milliseconds of each, run alternately so both see the machine in the same state
    (this machine's speed drifts by up to 2x from one second to the next). A figure that
    takes over a second is warmed up once and timed at most SLOW_REPEAT times."""
    if timed(ours) + timed(reference) > 1000:
        repeat = min(repeat, SLOW_REPEAT)
    else:
        for _ in range(2):
            ours(), reference()
    ours_ms, reference_ms = [], []
    for _ in range(repeat):
        ours_ms.append(timed(ours))
        reference_ms.append(timed(reference))
    return statistics.median(ours_ms), statistics.median(reference_ms)


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def queries(fn) -> int:
    """How many SQL statements `fn()` sends."""
    counter = _Counter()
    with connection.execute_wrapper(counter):
        fn()
    return counter.count
