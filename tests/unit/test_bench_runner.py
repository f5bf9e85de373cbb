"""The bench runner's statistics, table and failure handling (no Qt, no database)."""

from __future__ import annotations

import io
import json
import sys
import types
from pathlib import Path

import pytest

from bench import __main__ as runner
from bench.common import figure, median, p95, parse_value, percentile, ratio, run_process


def test_median_and_percentiles() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 50) == pytest.approx(50.5)
    assert p95(values) == pytest.approx(95.05)  # linear interpolation between ranks, like numpy
    assert p95([7.0]) == 7.0
    with pytest.raises(ValueError):
        median([])
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_figure_and_ratio() -> None:
    f = figure("x", [10.0, 30.0, 20.0], "ms", floor=5.0, target=25.0)
    assert f == {
        "name": "x",
        "median": 20.0,
        "p95": pytest.approx(29.0),
        "unit": "ms",
        "floor": 5.0,
        "target": 25.0,
    }
    assert "floor" not in figure("y", [1.0], "s")
    assert ratio(20.0, 5.0) == 4.0
    assert ratio(20.0, None) is None and ratio(1.0, 0) is None


def test_parse_value_reads_the_last_line() -> None:
    assert parse_value("noise\nready_ms=12.5\nready_ms=13.25 extra\n", "ready_ms") == 13.25
    with pytest.raises(ValueError):
        parse_value("ready_ms=nan (no owner)", "ready_ms")


def test_run_process_reports_its_own_peak_memory() -> None:
    small = run_process([sys.executable, "-c", "import time; print('hi'); time.sleep(0.15)"])
    big = run_process(
        [sys.executable, "-c", "import time; b = bytearray(80 * 1024 * 1024); time.sleep(0.15)"]
    )
    assert small.returncode == 0 and small.stdout.strip() == "hi"
    assert small.peak_rss_kb < 40 * 1024  # a bare interpreter, not the parent's size
    assert big.peak_rss_kb - small.peak_rss_kb > 60 * 1024
    # measured per child: a small child after a big one is small again
    again = run_process([sys.executable, "-c", "import time; time.sleep(0.15)"])
    assert again.peak_rss_kb < big.peak_rss_kb - 60 * 1024
    assert run_process([sys.executable, "-c", "raise SystemExit(3)"]).returncode == 3


def test_runner_continues_after_a_failing_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    good = types.ModuleType("bench.bench_zgood")
    good.run = lambda quick: [figure("good.fast" if quick else "good.full", [1.0, 2.0, 3.0], "ms", floor=0.5)]  # type: ignore[attr-defined]
    bad = types.ModuleType("bench.bench_zbad")

    def boom(quick: bool) -> list[dict[str, object]]:
        raise RuntimeError("kaput")

    bad.run = boom  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bench.bench_zgood", good)
    monkeypatch.setitem(sys.modules, "bench.bench_zbad", bad)
    monkeypatch.setattr(runner, "discover", lambda only=None: ["bench_zbad", "bench_zgood"])
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    target = tmp_path / "figures.json"
    code = runner.main(["--quick", "--json", str(target)])
    text = out.getvalue()
    assert code == 1
    assert "bench_zbad failed: RuntimeError: kaput" in text
    assert "good.fast" in text and "4.00x" in text  # median 2 over floor 0.5
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data == [
        {
            "name": "good.fast",
            "median": 2.0,
            "p95": pytest.approx(2.9),
            "unit": "ms",
            "floor": 0.5,
            "module": "bench_zgood",
        }
    ]


def test_discover_finds_the_bench_modules() -> None:
    names = runner.discover()
    assert "bench_startup" in names and "bench_demo" in names
    assert runner.discover("demo") == ["bench_demo"]


def test_table_lines_up_columns() -> None:
    t = runner.table([figure("a", [1.0], "ms"), figure("longer.name", [1234.5], "MB", floor=1000.0)])
    lines = t.splitlines()
    assert lines[0].split() == ["name", "median", "p95", "unit", "floor", "ratio", "target"]
    assert "1.23x" in lines[3] and lines[3].startswith("longer.name")
