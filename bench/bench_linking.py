"""Linking benchmark: link N releases against the catalog; releases per second vs a baseline.

Releases are built from the repo's labeled sets (repeated, each copy made unique), so the mix
of languages, lengths, follow-ups and near-misses is realistic. The baseline is the naive
keyword method of `yrdwatch eval`, timed in the same run on the same releases.
Run: `python -m bench.bench_linking [N]`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from warehouse.catalog import load_catalog
from warehouse.evaluate import LABELED_DIR, Item, baseline_predict, read_items
from warehouse.linking import link_text


def sample_releases(n: int) -> list[Item]:
    """n releases cycled from the labeled sets; a numbered suffix keeps each one distinct."""
    pool = [item for path in sorted(LABELED_DIR.glob("*.jsonl")) for item in read_items(path)]
    return [_variant(pool[i % len(pool)], i) for i in range(n)]


def _variant(item: Item, number: int) -> Item:
    suffix = f" (No. {number})"
    return Item(
        f"{item.id}#{number}",
        item.language,
        item.title + suffix,
        item.body,
        item.followup,
        item.fields,
    )


def _rate(work, releases: list[Item]) -> tuple[float, int]:
    started = time.perf_counter()
    hits = sum(1 for item in releases if work(item))
    return len(releases) / max(time.perf_counter() - started, 1e-9), hits


def run_linking_bench(n: int = 10_000) -> dict:
    """Link n releases with the linker and with the naive baseline; return the measurements."""
    catalog = load_catalog()
    releases = sample_releases(n)
    link_text("warm-up", "长三角", "zh", catalog)  # jieba loads its dictionary once
    linker_rate, linked = _rate(
        lambda r: link_text(r.title, r.body, r.language, catalog).is_followup, releases
    )
    baseline_rate, flagged = _rate(lambda r: baseline_predict(r).followup, releases)
    return {
        "releases": n,
        "commitments": len(catalog),
        "linker_releases_per_s": round(linker_rate, 1),
        "baseline_releases_per_s": round(baseline_rate, 1),
        "linker_vs_baseline": round(linker_rate / baseline_rate, 3),
        "linker_followups": linked,
        "baseline_followups": flagged,
    }


def format_result(result: dict) -> str:
    return "\n".join(f"{key:<26} {value}" for key, value in result.items())


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(f"linking benchmark ({Path(__file__).name})")
    print(format_result(run_linking_bench(count)))
