"""Turn response bytes into text the way these sites need it.

Shanghai and SHIO servers often send no charset (clients then guess ISO-8859-1 and garble
Chinese); legacy Shanghai pages are GBK. So the page's own declaration beats the header,
and a header ISO-8859-1 is believed only when the bytes are not valid UTF-8.
"""

from __future__ import annotations

import codecs
import logging
import re

logger = logging.getLogger(__name__)

META_SCAN_BYTES = 4096  # the HTML spec's prescan window is 1024; sites put scripts first
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHINESE_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030"}


def decode_html(content: bytes, header_charset: str | None, forced: str | None = None) -> str:
    """forced > BOM > <meta charset> / http-equiv > header charset (ignore ISO-8859-1 when the page
    is actually UTF-8) > try UTF-8 > GB18030. GBK/GB2312 labels decode as gb18030."""
    if forced:
        return content.decode(_codec_name(forced) or forced, errors="replace")
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(codec, errors="replace")
    for label in (_meta_charset(content), header_charset):
        text = _decode_declared(content, label)
        if text is not None:
            return text
    return _decode_undeclared(content)


def normalise_charset(label: str | None) -> str | None:
    """The Python codec for a charset label (GBK family -> gb18030); None when unknown."""
    return _codec_name(label) if label else None


def _codec_name(label: str) -> str | None:
    cleaned = label.strip().strip("\"'").lower()
    if cleaned in ("x-gbk", "cp936", "ms936", "windows-936"):
        return "gb18030"
    try:
        name = codecs.lookup(cleaned).name
    except LookupError:
        return None
    return _CHINESE_SUPERSETS.get(name, name)


def _meta_charset(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:META_SCAN_BYTES])
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _decode_declared(content: bytes, label: str | None) -> str | None:
    """Decode with a declared charset, or None to fall through to the next clue.

    Valid UTF-8 with non-ASCII bytes is UTF-8 whatever the label says: GBK text is almost
    never valid UTF-8, while sites do mislabel UTF-8 pages (and servers guess ISO-8859-1).
    """
    codec = _codec_name(label) if label else None
    if codec is None:
        if label:
            logger.debug("unknown charset label %r; guessing", label)
        return None
    if codec != "utf-8" and not content.isascii() and _is_utf8(content):
        return content.decode("utf-8")
    return content.decode(codec, errors="replace")


def _decode_undeclared(content: bytes) -> str:
    if _is_utf8(content):
        return content.decode("utf-8")
    return content.decode("gb18030", errors="replace")


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
