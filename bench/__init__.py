"""Benchmarks: ``python -m bench [--quick] [--json FILE] [--only NAME]``.

Each ``bench/bench_<area>.py`` exposes ``run(quick: bool) -> list[dict]`` returning figures
``{"name", "median", "p95", "unit", "floor" (optional), "target" (optional)}``. Timing
helpers live in ``bench.common``.
"""
