"""PNG charts beside latest.json (matplotlib, Agg backend: no display needed)."""
from __future__ import annotations

from pathlib import Path

from .figures import Figure


def draw(figures: list[Figure], out: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"figure.dpi": 100, "font.size": 9})
    written = []
    for name, fn in (("throughput", _throughput), ("latency", _latency), ("inbox_scale", _scale),
                     ("step_cost", _growth), ("timer_lag", _timers), ("dispatch", _fanout)):
        fig, ax = plt.subplots(figsize=(8, 4.5))
        if fn(ax, figures):
            fig.tight_layout()
            path = out / f"{name}.png"
            fig.savefig(path)
            written.append(path)
        plt.close(fig)
    return written


def _throughput(ax, figures) -> bool:
    rows = [f for f in figures if f.unit == "approvals/s" and f.value is not None]
    if not rows:
        return False
    colors = ["tab:green" if f.met else "tab:red" if f.met is False else "tab:blue" for f in rows]
    ax.barh([f.name for f in rows], [f.value for f in rows], color=colors)
    for i, f in enumerate(rows):
        ax.text(f.value, i, f" {f.value:,.0f}" + (f"  (target {f.target:g})" if f.target else ""), va="center")
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("approvals per second (log scale); green: target met, red: missed")
    ax.set_title("5-step approval: engine ceiling to full HTTP stack")
    return True


def _latency(ax, figures) -> bool:
    rows = [f for f in figures if "latency" in f.extra and f.value is not None]
    if not rows:
        return False
    groups = list(dict.fromkeys(f.extra["latency"][:3] for f in rows))     # in measuring order
    width = 0.27
    for k, p in enumerate((50, 95, 99)):
        vals = {f.extra["latency"][:3]: f.value for f in rows if f.extra["latency"][3] == p}
        ax.bar([i + (k - 1) * width for i in range(len(groups))], [vals.get(g, 0) for g in groups], width,
               label=f"p{p}")
    ax.set_xticks(range(len(groups)), [f"{db[:2]} c{c}\n{ep}" for db, c, ep in groups], fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("ms (log scale)")
    ax.set_title("HTTP latency per endpoint (sq: SQLite, po: PostgreSQL; c: concurrent clients)")
    ax.legend()
    return True


def _scale(ax, figures) -> bool:
    rows = [f for f in figures if "scale" in f.extra and f.value is not None and f.extra["scale"][2] == 95]
    if not rows:
        return False
    for q in sorted({f.extra["scale"][0] for f in rows}):
        pts = sorted((f.extra["scale"][1], f.value) for f in rows if f.extra["scale"][0] == q)
        ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", label=q)
    ax.axhline(20, color="red", linestyle="--", label="target p95 < 20 ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("task rows in PostgreSQL")
    ax.set_ylabel("p95 ms")
    ax.set_title("Inbox and case lists at scale")
    ax.legend()
    return True


def _growth(ax, figures) -> bool:
    rows = [f for f in figures if "growth" in f.extra and f.value is not None]
    if not rows:
        return False
    for key in sorted({f.extra["growth"][:2] for f in rows}):
        pts = sorted((f.extra["growth"][2], f.value) for f in rows if f.extra["growth"][:2] == key)
        ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", label=" ".join(key))
    ax.set_xscale("log")
    ax.set_xlabel("completed tasks already in the case")
    ax.set_ylabel("ms to complete one more task")
    ax.set_title("Step cost against case history (target: step(1000) / step(10) < 2)")
    ax.legend()
    return True


def _timers(ax, figures) -> bool:
    rows = [f for f in figures if f.extra.get("lags") and f.name.endswith(".p99")]
    if not rows:
        return False
    for f in rows:
        lags = f.extra["lags"]
        ax.plot(lags, [(i + 1) / len(lags) for i in range(len(lags))], label=f.name.rsplit(".", 1)[0])
    ax.axvline(2.0, color="red", linestyle="--", label="target p99 < 2 s")
    ax.set_xlabel("fire lag, seconds (fired minus due)")
    ax.set_ylabel("fraction of timers")
    ax.set_title("Timer fire lag through the real worker (cumulative)")
    ax.legend()
    return True


def _fanout(ax, figures) -> bool:
    rows = [f for f in figures if "fanout" in f.extra and f.value is not None]
    if not rows:
        return False
    for variant in sorted({f.extra["fanout"][0] for f in rows}):
        pts = sorted((f.extra["fanout"][1], f.value) for f in rows if f.extra["fanout"][0] == variant)
        ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", label=f"multi-instance {variant}")
    ax.axhline(1000, color="red", linestyle="--", label="target < 1 s at 50")
    ax.set_xlabel("warehouses")
    ax.set_ylabel("ms from approval to every keeper's inbox")
    ax.set_title("Emergency dispatch fan-out")
    ax.legend()
    return True
