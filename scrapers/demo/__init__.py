"""The bundled demo: invented articles rendered as a replay archive of real-shaped sites.

`articles_en.jsonl` / `articles_zh.jsonl` hold the article data (with gold labels),
`render.py` turns them into `archive/<host>/<path>` pages in each CMS's real shape, and
`sources.toml` points the crawler at those hosts; `scrapers.replay` serves the archive.
"""
