"""Helpers every benchmark module uses: repeat-and-summarise, percentiles, child process RSS."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return float(s[mid]) if n % 2 else (s[mid - 1] + s[mid]) / 2.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError("q must be within 0..100")
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(s[lo])
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def p95(values: Sequence[float]) -> float:
    return percentile(values, 95)


def figure(
    name: str,
    samples: Sequence[float],
    unit: str,
    *,
    floor: float | None = None,
    target: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One figure from repeated measurements (median and p95 of the samples)."""
    out: dict[str, Any] = {"name": name, "median": median(samples), "p95": p95(samples), "unit": unit}
    if floor is not None:
        out["floor"] = floor
    if target is not None:
        out["target"] = target
    out.update(extra)
    return out


def time_call(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> list[float]:
    """Milliseconds of each of ``repeat`` calls (after ``warmup`` unmeasured ones)."""
    for _ in range(warmup):
        fn()
    out: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


@dataclass(frozen=True)
class ProcResult:
    returncode: int
    stdout: str
    stderr: str
    wall_ms: float
    peak_rss_kb: int  # the child's maximum resident set size


def run_process(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
    cwd: Path | str | None = None,
) -> ProcResult:
    """Run a child process to completion; report its wall time and its own peak RSS.

    Peak RSS is the child's ``VmHWM`` from /proc, polled every few ms while it runs (a
    high-water mark, so nothing between polls is lost); ``ru_maxrss`` from ``os.wait4`` is
    the fallback for a child too quick to poll.
    """
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        cwd=str(cwd or ROOT),
        text=True,
    )
    chunks: dict[str, list[str]] = {"out": [], "err": []}

    def drain(stream: Any, key: str) -> None:
        chunks[key].append(stream.read())

    readers = [
        threading.Thread(target=drain, args=(proc.stdout, "out"), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, "err"), daemon=True),
    ]
    for t in readers:
        t.start()
    deadline = time.monotonic() + timeout
    hwm = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        hwm = max(hwm, _vm_hwm_kb(proc.pid))
        if time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            raise TimeoutError(f"{' '.join(args)} took more than {timeout} s")
        time.sleep(0.002)
    wall = (time.perf_counter() - t0) * 1000.0
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join(timeout=5)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    # ru_maxrss of a child also counts the parent's memory at fork (Linux keeps the old mm's
    # high-water mark across exec), so the child's own VmHWM, polled while it runs, comes first
    peak = hwm or int(usage.ru_maxrss)
    return ProcResult(proc.returncode, "".join(chunks["out"]), "".join(chunks["err"]), wall, peak)


def _vm_hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def peak_rss_mb(result: ProcResult) -> float:
    return result.peak_rss_kb / 1024.0


def parse_value(stdout: str, key: str) -> float:
    """Read ``key=<float>`` from a child's output (the last such line)."""
    found: float | None = None
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith(key + "="):
            try:
                found = float(line.split("=", 1)[1].split()[0])
            except ValueError:
                continue
    if found is None or math.isnan(found):
        raise ValueError(f"no {key}=<number> line in the output")
    return found


def ratio(median_value: float, floor: float | None) -> float | None:
    if floor is None or floor == 0:
        return None
    return median_value / floor
