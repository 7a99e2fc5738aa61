"""Figures: one measured number, its baseline from the same run, the ratio, and the target if any.

`bench/results/latest.json` is a list of `Figure.to_dict()`: the issue's fields `name, value, unit,
baseline, ratio, target, met`, plus `baseline_of` (the name of the baseline figure), `target_on`
("value" or "ratio": which number the target judges), `target_kind` ("min": at least, "max": under),
`section` and `note`. Figures that could not be measured (no PostgreSQL, say) keep `value` null and
say why in `note`.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_of: str | None = None
    target: float | None = None
    target_on: str = "value"          # "value" or "ratio"
    target_kind: str = "max"          # "max": must stay under; "min": must reach
    section: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)    # raw samples for the charts; not written to JSON

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        judged = self.value if self.target_on == "value" else self.ratio
        if judged is None:
            return False
        ok = judged >= self.target if self.target_kind == "min" else judged < self.target
        return ok and not self.extra.get("failed")

    def to_dict(self) -> dict:
        return {"name": self.name, "value": _round(self.value), "unit": self.unit,
                "baseline": _round(self.baseline), "ratio": _round(self.ratio), "target": self.target,
                "met": self.met, "baseline_of": self.baseline_of, "target_on": self.target_on,
                "target_kind": self.target_kind, "section": self.section, "note": self.note}


def _round(x):
    return None if x is None else round(x, 4)


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0-100), linear between closest ranks; one sample is its own percentile."""
    if not samples:
        raise ValueError("no samples")
    s = sorted(samples)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def median(samples) -> float:
    return statistics.median(samples)


def target_text(f: Figure) -> str:
    if f.target is None:
        return ""
    sign = "≥" if f.target_kind == "min" else "<"
    what = "ratio " if f.target_on == "ratio" else ""
    unit = "" if f.target_on == "ratio" else f" {f.unit}"
    return f"{what}{sign} {f.target:g}{unit}"


def fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "-"
    if abs(x) >= 100:
        s = f"{x:,.0f}"
    elif abs(x) >= 10:
        s = f"{x:.1f}"
    else:
        s = f"{x:.2f}"
    return f"{s} {unit}".rstrip()


def table(figures: list[Figure], markdown: bool = False) -> str:
    """The printed table: one row per figure; markdown=True for the README."""
    head = ("figure", "value", "baseline", "ratio", "target", "met")
    rows = []
    for f in figures:
        met = {None: "", True: "met", False: "NOT met"}[f.met]
        base = f"{fmt(f.baseline, f.unit)} ({f.baseline_of})" if f.baseline_of else ""
        value = fmt(f.value, f.unit) if f.value is not None else f"- ({f.note})"
        rows.append((f.name, value, base, fmt(f.ratio), target_text(f), met))
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(line.format(*r).rstrip() for r in [head, *rows])
