"""``python -m bench [--quick] [--json FILE] [--only NAME]``: run every bench/bench_*.py and print a table.

Each module's ``run(quick)`` returns a list of figures. A module that fails prints its
error and the runner goes on; the exit code is 1 at the end if any failed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import ratio  # noqa: E402

REQUIRED = ("name", "median", "p95", "unit")


def discover(only: str | None = None) -> list[str]:
    """Module names of bench/bench_*.py, sorted; ``only`` keeps those whose area or name contains it."""
    names = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if only:
        key = only.removeprefix("bench_")
        names = [n for n in names if key in n.removeprefix("bench_")]
    return names


def validate(fig: Any, module: str) -> dict[str, Any]:
    if not isinstance(fig, dict):
        raise TypeError(f"{module}: a figure must be a dict, got {type(fig).__name__}")
    missing = [k for k in REQUIRED if k not in fig]
    if missing:
        raise ValueError(f"{module}: figure {fig.get('name', '?')!r} lacks {', '.join(missing)}")
    out = dict(fig)
    out["module"] = module
    return out


def _num(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.3g}" if v else "0"
    return str(v)


def table(figures: Sequence[dict[str, Any]]) -> str:
    head = ("name", "median", "p95", "unit", "floor", "ratio", "target")
    rows = [head]
    for f in figures:
        r = ratio(float(f["median"]), f.get("floor"))
        rows.append(
            (
                str(f["name"]),
                _num(f["median"]),
                _num(f["p95"]),
                str(f["unit"]),
                _num(f.get("floor")),
                f"{r:.2f}x" if r is not None else "",
                _num(f.get("target")),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for i, r in enumerate(rows):
        cells = [c.ljust(widths[j]) if j in (0, 3) else c.rjust(widths[j]) for j, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_all(quick: bool, only: str | None = None, out: Any = None) -> tuple[list[dict[str, Any]], list[str]]:
    out = out or sys.stdout
    figures: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in discover(only):
        t0 = time.perf_counter()
        print(f"== {name} ({'quick' if quick else 'full'})", file=out, flush=True)
        try:
            mod = importlib.import_module(f"bench.{name}")
            got = mod.run(quick)
            figs = [validate(f, name) for f in got]
        except Exception as exc:  # one broken benchmark must not hide the others
            failed.append(name)
            print(f"!! {name} failed: {type(exc).__name__}: {exc}", file=out, flush=True)
            traceback.print_exc(file=sys.stderr)
            continue
        figures.extend(figs)
        print(f"   {len(figs)} figure(s) in {time.perf_counter() - t0:.1f}s", file=out, flush=True)
    return figures, failed


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--quick", action="store_true", help="small data, few repeats (under a minute in all)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--only", metavar="NAME", help="run only the modules whose name contains NAME")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # benchmarks that paint never open a window
    t0 = time.perf_counter()
    figures, failed = run_all(args.quick, args.only)
    print()
    print(table(figures) if figures else "(no figures)")
    print(f"\n{len(figures)} figure(s), {len(failed)} failed module(s), {time.perf_counter() - t0:.1f}s")
    if failed:
        print("failed: " + ", ".join(failed))
    if args.json:
        keep = ("name", "median", "p95", "unit", "floor", "target")
        data = [{k: f[k] for k in keep if k in f} | {"module": f["module"]} for f in figures]
        Path(args.json).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
