"""The digest as HTML (for a browser or a mail body) and JSON (for other tools).

HTML is rendered from the digest's Markdown by markdown-it in CommonMark mode with raw
HTML disabled: any markup that slipped into scraped text comes out escaped, and links
other than http(s) are not made clickable.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

from markdown_it import MarkdownIt

from warehouse.digest import Digest, new_followup_counts

_STYLE = """
body { font: 15px/1.5 system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05rem; color: #444; }
blockquote { margin: .2rem 0 .6rem 1rem; padding-left: .8rem; color: #555;
             border-left: 3px solid #d0d7de; }
code { background: #f3f4f6; padding: 0 .2rem; border-radius: 3px; }
li { margin: .4rem 0; }
"""


def render_html(markdown: str, title: str) -> str:
    """A standalone HTML page of the digest."""
    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})
    body = renderer.render(markdown)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}</body></html>\n"
    )


def render_json(digest: Digest) -> str:
    """The digest's data: run, counts, follow-up items with evidence, failing sources.
    `new_followups` counts what the Markdown's summary does: only the run's new follow-ups."""
    data = asdict(digest)
    data.pop("edited")
    data.pop("health")
    data["new_followups"] = new_followup_counts(digest)
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n"


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def write_formats(digest: Digest, markdown: str, out_dir: Path) -> dict[str, Path]:
    """Write digest-<run>.html and digest-<run>.json beside the Markdown digest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"digest-{digest.run_id}"
    title = f"yrdwatch digest — {digest.run_date.isoformat()}"
    paths = {"html": stem.with_suffix(".html"), "json": stem.with_suffix(".json")}
    paths["html"].write_text(render_html(markdown, title), encoding="utf-8")
    paths["json"].write_text(render_json(digest), encoding="utf-8")
    return paths
