"""Story clustering benchmark: put N releases into stories; releases per second vs all pairs.

Releases are the labeled sets' items, cycled, with dates spread over eight years; every tenth
one is a reprint of the one before, published a day later. The baseline compares every
release with every earlier one (what `warehouse.stories.cluster` did before it searched only
the last WINDOW_DAYS), timed in the same run on the first M releases.
Run: `python -m bench.bench_stories [N] [M]`.
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta

from warehouse.evaluate import LABELED_DIR, read_items
from warehouse.stories import StoryRelease, _story_order, cluster, make_release, same_story

FIRST_DAY = date(2018, 6, 1)
SPAN_DAYS = 8 * 365
REPRINT_EVERY = 10


def sample_releases(n: int) -> list[StoryRelease]:
    """n releases cycled from the labeled sets, every REPRINT_EVERY-th a reprint of the last."""
    pool = [item for path in sorted(LABELED_DIR.glob("*.jsonl")) for item in read_items(path)]
    releases = []
    for number in range(n):
        reprint = number % REPRINT_EVERY == REPRINT_EVERY - 1
        item = pool[(number - 1 if reprint else number) % len(pool)]
        day = FIRST_DAY + timedelta(days=(number * 7919) % SPAN_DAYS)
        if reprint:
            day = releases[-1].published_on + timedelta(days=1)
        url = f"https://bench.example/{number}"
        releases.append(make_release(url, item.language, day, "", item.title, item.body))
    return releases


def all_pairs_cluster(releases: list[StoryRelease]) -> dict[str, tuple[str, str]]:
    """The baseline: every release against every earlier one, first copy else first match."""
    ordered = sorted(releases, key=_story_order)
    story: dict[str, str] = {}
    assigned = {}
    for index, release in enumerate(ordered):
        matches = [(why, e) for e in ordered[:index] if (why := same_story(release, e))]
        story_id, reason = release.url, "first"
        if matches:
            reason, earlier = min(matches, key=lambda m: m[0] != "copy")
            story_id = story[earlier.url]
        story[release.url] = story_id
        assigned[release.url] = (story_id, reason)
    return assigned


def _timed(work, releases) -> tuple[float, dict]:
    started = time.perf_counter()
    result = work(releases)
    return len(releases) / max(time.perf_counter() - started, 1e-9), result


def _joined(assigned: dict) -> int:
    return sum(1 for _, reason in assigned.values() if reason != "first")


def run_stories_bench(n: int = 10_000, baseline_n: int = 2_000) -> dict:
    """Cluster n releases; and the first baseline_n both ways. Returns the measurements."""
    releases = sample_releases(n)
    rate, stories = _timed(lambda r: cluster(r, {}), releases)
    subset = releases[:baseline_n]
    windowed_rate, windowed = _timed(lambda r: cluster(r, {}), subset)
    baseline_rate, baseline = _timed(all_pairs_cluster, subset)
    return {
        "releases": n,
        "joined a story (reprints, translations)": _joined(stories),
        "releases per s": round(rate, 1),
        f"first {baseline_n}: releases per s": round(windowed_rate, 1),
        f"first {baseline_n}: all-pairs releases per s": round(baseline_rate, 1),
        "vs all pairs": round(windowed_rate / baseline_rate, 1),
        f"first {baseline_n}: joined (this / all pairs)": (
            f"{_joined(windowed)} / {_joined(baseline)}"
        ),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    base = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    for key, value in run_stories_bench(count, base).items():
        print(f"{key:<48} {value}")
