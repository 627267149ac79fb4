"""Results: metrics, the plain-text table, and `bench/results.json`."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"


@dataclass
class Metric:
    name: str
    ours: float | None
    baseline: float | None
    unit: str
    goal: str
    met: bool | None  # None: no goal, or not measured
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.baseline in (None, 0) or _nan(self.ours, self.baseline):
            return None
        assert self.baseline is not None
        return self.ours / self.baseline

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ours": _finite(self.ours),
            "baseline": _finite(self.baseline),
            "ratio": _finite(self.ratio),
            "unit": self.unit,
            "goal": self.goal,
            "met": self.met,
            "note": self.note,
        }


@dataclass
class ScenarioResult:
    name: str
    metrics: list[Metric] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the scenario could not run to the end

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metrics": [metric.to_json() for metric in self.metrics],
            "details": self.details,
            "error": self.error,
        }


def _nan(*values: float | None) -> bool:
    return any(isinstance(v, float) and math.isnan(v) for v in values)


def _finite(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(value, 3)


def _number(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit in ("count", "users", "calls", "429s"):
        return f"{value:.0f}"
    if abs(value) >= 100:
        return f"{value:.0f} {unit}".strip()
    return f"{value:.1f} {unit}".strip()


def table(results: list[ScenarioResult]) -> str:
    """metric | ours | baseline | ratio | goal | met?  (one row per metric)."""
    header = ("metric", "ours", "baseline", "ratio", "goal", "met?")
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for result in results:
        if result.error:
            rows.append((f"{result.name}: FAILED", "-", "-", "-", "-", "no"))
            notes.append(f"{result.name}: {result.error}")
        for metric in result.metrics:
            ratio = metric.ratio
            met = {True: "yes", False: "NO", None: "-"}[metric.met]
            rows.append(
                (
                    metric.name,
                    _number(metric.ours, metric.unit),
                    _number(metric.baseline, metric.unit),
                    f"{ratio:.2f}x" if ratio is not None else "-",
                    metric.goal,
                    met,
                )
            )
            if metric.note:
                notes.append(f"{metric.name}: {metric.note}")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(header))]
    lines.append("-+-".join("-" * width for width in widths))
    lines += [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    if notes:
        lines.append("")
        lines.append("Notes:")
        lines += [f"  - {note}" for note in notes]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def write_results(
    results: list[ScenarioResult], *, quick: bool, seconds: float, path: Path = RESULTS_PATH
) -> Path:
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if quick else "full",
        "duration_seconds": round(seconds, 1),
        "machine": machine(),
        "scenarios": [result.to_json() for result in results],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path
