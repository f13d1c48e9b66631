"""Decide which releases follow up which commitment, with the evidence for each link.

Method `lex-1` is lexical and explainable: a release must be anchored in the Yangtze River
Delta (the delta's name, one of its programmes, or two or more members acting together) AND
contain terms specific to a commitment. Anchor strength and term strength multiply, so a
passing mention of the delta or a release about another region's integration scores low
however many topical words it has. Every link keeps the matched terms, the sentences they
occur in and the parts of the score, so an analyst can check the decision.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property

import duckdb

from warehouse import fieldmodel, lexicon
from warehouse.catalog import PROVINCES, Commitment, catalog_digest
from warehouse.db import transaction

logger = logging.getLogger(__name__)

METHOD_VERSION = "lex-3.3"
LINK_THRESHOLD = 0.42  # follow-up threshold, chosen on the tune parts only
FIELD_THRESHOLD = 0.45  # a follow-up also links every further commitment scoring this much
STORE_FLOOR = 0.2  # candidates below this are not stored at all
TITLE_WEIGHT = 3.0  # a term in the headline counts this much more than one in the body
REPEAT_BONUS = 0.25  # each further body occurrence of a term adds this, up to MAX_REPEATS
MAX_REPEATS = 4
BROAD_TERM_WEIGHT = 0.75  # what a broad field word (catalog broad_terms_*) counts of a term
HALF_STRENGTH_POINTS = 1.3  # term points at which term strength reaches 0.5
MEMBERS_TOGETHER_ANCHOR = 0.8
PAIR_ACTING_ANCHOR = 0.6
BOUNDARY_ANCHOR = 0.6
MAX_EVIDENCE_SENTENCES = 3
MAX_SENTENCE_CHARS = 300


@dataclass
class LinkCandidate:
    """One (release, commitment) pairing with its score and evidence."""

    commitment_id: str
    field: str
    score: float
    terms: list[str]
    sentences: list[str]
    parts: dict


@dataclass
class Decision:
    """The linker's verdict on one release; `links` are the candidates at/above threshold."""

    is_followup: bool
    best_score: float
    links: list[LinkCandidate]
    candidates: list[LinkCandidate] = field(default_factory=list)  # at/above STORE_FLOOR
    anchor: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Sentence:
    text: str
    lowered: str
    seg: lexicon.Segmented | None
    in_title: bool
    counts: dict[str, int] = field(default_factory=dict, compare=False)

    def count(self, term: str) -> int:
        """Occurrences of a term, memoised: many commitments share terms."""
        if term not in self.counts:
            self.counts[term] = lexicon.count_term(term, self.lowered, self.seg)
        return self.counts[term]

    @cached_property
    def members(self) -> set[str]:
        """The members this sentence names, memoised: the anchor asks three times."""
        return lexicon.provinces_named(self.text, self.seg)


# ------------------------------------------------------------------ document preparation


def _sentences(title: str, body: str) -> list[_Sentence]:
    """Title sentences first, then body sentences, each segmented once."""
    parts = [(s, True) for s in lexicon.split_sentences(lexicon.prepare(title))]
    parts += [(s, False) for s in lexicon.split_sentences(lexicon.prepare(body))]
    return [_make_sentence(text, in_title) for text, in_title in parts]


def _make_sentence(text: str, in_title: bool) -> _Sentence:
    seg = lexicon.segment(text) if lexicon.has_cjk(text) else None
    return _Sentence(text, text.lower(), seg, in_title)


def _hits(terms: Sequence[str], sentence: _Sentence) -> int:
    return sum(sentence.count(term) for term in terms)


# ------------------------------------------------------------------ anchor

_DELTA_TERMS = (*lexicon.DELTA_NAMES_EN, *lexicon.DELTA_NAMES_ZH)
_PROGRAMME_TERMS = (*lexicon.PROGRAMMES_EN, *lexicon.PROGRAMMES_ZH)
_OTHER_TERMS = (*lexicon.OTHER_REGIONS_EN, *lexicon.OTHER_REGIONS_ZH)


def _anchor(sentences: list[_Sentence]) -> dict:
    """How firmly the release is set in the delta (factor 0..1), why, and the sentence that
    shows it (none when the members are only named, each on its own)."""
    facts = _anchor_facts(sentences)
    factor, reason, shown_by = _anchor_factor(facts)
    penalty = _other_region_penalty(facts)
    return {
        **facts,
        "factor": round(factor * penalty, 4),
        "sentence": _witness(sentences, shown_by, facts),
        "other_region_sentence": _witness(sentences, "other", facts) if penalty < 1 else "",
        "reason": reason,
        "other_region_penalty": penalty,
    }


def _anchor_facts(sentences: list[_Sentence]) -> dict:
    title = [s for s in sentences if s.in_title]
    body = [s for s in sentences if not s.in_title]
    delta_body = sum(1 for s in body if _hits(_DELTA_TERMS, s))
    short_title = any(lexicon.count_english("delta", s.lowered) for s in title)
    in_delta = delta_body > 0 or any(_hits(_DELTA_TERMS, s) for s in title)
    members_in_body = len(_members_named(body, in_delta=False))
    demo_zone = _names_demo_zone(sentences)
    return {
        "in_delta": in_delta,
        "delta_in_title": any(_hits(_DELTA_TERMS, s) for s in title)
        or (
            short_title
            and (delta_body > 0 or members_in_body >= 3)
            and not any(_hits(_OTHER_TERMS, s) for s in title)
        ),
        "programme_in_title": any(_hits(_PROGRAMME_TERMS, s) for s in title),
        "delta_sentences": delta_body,
        "programme_sentences": sum(1 for s in body if _hits(_PROGRAMME_TERMS, s)) + demo_zone,
        "demo_zone_parts": demo_zone,
        "provinces": sorted(_members_named(sentences, in_delta)),
        "members_together": sum(1 for s in sentences if _members_together(s, in_delta)),
        "pair_acting": sum(1 for s in body if lexicon.names_pair_acting(s.text)),
        "boundary_sentences": sum(1 for s in body if _across_boundary(s)),
        "non_member_places": sum(
            1 for s in sentences if lexicon.names_non_member_place(s.text, s.seg)
        ),
        "other_in_title": any(_hits(_OTHER_TERMS, s) for s in title),
        "other_sentences": sum(1 for s in body if _hits(_OTHER_TERMS, s)),
    }


def _members_named(sentences: list[_Sentence], in_delta: bool) -> set[str]:
    """Members named one by one, or all four when a delta release says "the four provinces"."""
    if in_delta and any(lexicon.names_members_collectively(s.text) for s in sentences):
        return set(PROVINCES)
    return set().union(*(s.members for s in sentences))


def _members_together(sentence: _Sentence, in_delta: bool) -> bool:
    """Two or more members in one sentence with a word of cooperation."""
    members = _members_named([sentence], in_delta)
    return len(members) >= 2 and lexicon.names_cooperation(sentence.text)


def _names_demo_zone(sentences: list[_Sentence]) -> int:
    """Qingpu, Wujiang and Jiashan together are the demonstration zone, named or not."""
    named = set().union(*(_demo_zone_parts(s) for s in sentences))
    return int(len(named) == len(lexicon.DEMO_ZONE_PARTS))


def _demo_zone_parts(sentence: _Sentence) -> set[str]:
    return lexicon.demo_zone_parts_named(sentence.text, sentence.seg)


def _across_boundary(sentence: _Sentence) -> bool:
    """A body sentence that speaks of a shared boundary or reciprocal treatment."""
    return lexicon.names_boundary(sentence.text)


def _anchor_factor(facts: dict) -> tuple[float, str, str]:
    """Ordered rules, strongest first; a single passing mention stays weak. Returns the
    factor, the reason, and which kind of sentence shows it (see _anchor_witnesses)."""
    members = len(facts["provinces"])
    if facts["delta_in_title"] or facts["programme_in_title"]:
        return 1.0, "delta or programme named in the title", "title"
    if facts["programme_sentences"] > facts["demo_zone_parts"]:
        return 0.9, "delta programme named in the body", "programme"
    if facts["demo_zone_parts"]:
        return 0.9, "Qingpu, Wujiang and Jiashan named: the demonstration zone", "demo_zone"
    if facts["delta_sentences"] >= 2:
        return 0.85, "delta named in several sentences", "delta"
    if facts["members_together"] and not facts["other_sentences"]:
        reason = "two or more members acting together in one sentence"
        return MEMBERS_TOGETHER_ANCHOR, reason, "together"
    if facts["delta_sentences"] == 1 and members >= 2:
        return 0.7, "delta named once, with two or more members", "delta"
    if members == 2 and facts["pair_acting"] and not _elsewhere(facts):
        reason = "two members named, acting as a pair (the two cities, 两地共建)"
        return PAIR_ACTING_ANCHOR, reason, "pair"
    if members == 2 and facts["boundary_sentences"] and not _elsewhere(facts):
        reason = "two members named, across their boundary (other side, 交界, 互认)"
        return BOUNDARY_ANCHOR, reason, "boundary"
    if members >= 3:
        return 0.6, "three or more members named", ""
    if members == 2:
        return 0.45, "two members named", ""
    if facts["delta_sentences"] == 1:
        return 0.3, "delta named once in passing", "delta"
    return 0.0, "no delta anchor", ""


_WITNESS_TESTS: dict[str, Callable[[_Sentence, dict], object]] = {
    "title": lambda s, facts: s.in_title,
    "programme": lambda s, facts: not s.in_title and _hits(_PROGRAMME_TERMS, s),
    "delta": lambda s, facts: not s.in_title and _hits(_DELTA_TERMS, s),
    "together": lambda s, facts: _members_together(s, facts["in_delta"]),
    "pair": lambda s, facts: not s.in_title and lexicon.names_pair_acting(s.text),
    "demo_zone": lambda s, facts: _demo_zone_parts(s),
    "boundary": lambda s, facts: not s.in_title and _across_boundary(s),
    "other": lambda s, facts: _hits(_OTHER_TERMS, s),
}


def _witness(sentences: list[_Sentence], kind: str, facts: dict) -> str:
    """The first sentence of the kind an anchor rule counted, clipped for display ("" for the
    rules that only count members named one by one)."""
    test = _WITNESS_TESTS.get(kind)
    if test is None:
        return ""
    return next((s.text[:MAX_SENTENCE_CHARS] for s in sentences if test(s, facts)), "")


def _elsewhere(facts: dict) -> bool:
    """The release also names a place outside the delta, which "the two cities" may include."""
    return bool(facts["other_sentences"] or facts["other_in_title"] or facts["non_member_places"])


def _other_region_penalty(facts: dict) -> float:
    """Another regional strategy in the headline, or dominating the body, is a near-miss."""
    if facts["other_in_title"] and not (facts["delta_in_title"] or facts["programme_in_title"]):
        return 0.2
    delta_weight = facts["delta_sentences"] + facts["programme_sentences"]
    if facts["other_sentences"] and facts["other_sentences"] >= delta_weight:
        return 0.5
    return 1.0


# ------------------------------------------------------------------ commitment scoring


@dataclass
class _Match:
    """Which terms of one commitment a release contains, where, and how strongly."""

    commitment: Commitment
    title_terms: set[str]
    body_counts: dict[str, int]
    body_sentences: set[int]  # indexes of the body sentences naming a term
    evidence: list[str]
    anchor: float
    points: float
    strength: float

    @property
    def raw(self) -> float:
        """Anchor x term strength: the lexical score that decides a follow-up."""
        return round(self.anchor * self.strength, 4)


def _match_commitment(
    commitment: Commitment, sentences: list[_Sentence], anchor: dict, present: set[str]
) -> _Match | None:
    """Term points for one commitment, scaled by the anchor; None when nothing matched.
    `present`: the catalog terms that may occur in the release at all."""
    if commitment.region and commitment.region not in anchor["provinces"]:
        return None
    terms = [t for t in _all_terms(commitment) if t in present]
    if not terms:
        return None
    title_terms, body_counts, body_sentences, evidence = _match_terms(terms, sentences)
    if not title_terms and not body_counts:
        return None
    points = _points(title_terms, body_counts, commitment.broad_keys)
    strength = points / (points + HALF_STRENGTH_POINTS)
    found = (title_terms, body_counts, body_sentences, evidence)
    return _Match(commitment, *found, anchor["factor"], points, strength)


def _points(
    title_terms: set[str], body_counts: dict[str, int], broad: frozenset[str] = frozenset()
) -> float:
    """Title terms count TITLE_WEIGHT, body terms 1 plus a bonus per repeat; broad words of
    the field (`broad`: lower-cased) count BROAD_TERM_WEIGHT of that."""

    def weight(term: str) -> float:
        return BROAD_TERM_WEIGHT if term.lower() in broad else 1.0

    body_points = sum(
        weight(t) * (1 + REPEAT_BONUS * min(n - 1, MAX_REPEATS)) for t, n in body_counts.items()
    )
    return TITLE_WEIGHT * sum(weight(t) for t in title_terms) + body_points


def _all_terms(commitment: Commitment) -> tuple[str, ...]:
    return commitment.all_terms


def _match_terms(
    terms: Sequence[str], sentences: list[_Sentence]
) -> tuple[set[str], dict[str, int], set[int], list[str]]:
    """Which terms occur in the title and body (with counts), and in which body sentences."""
    title_terms: set[str] = set()
    body_counts: dict[str, int] = {}
    body_sentences: set[int] = set()
    evidence: list[str] = []
    body_index = -1
    for sentence in sentences:
        body_index += not sentence.in_title
        found = _terms_in(terms, sentence)
        if not found:
            continue
        _remember(evidence, sentence.text)
        if sentence.in_title:
            title_terms.update(found)
            continue
        body_sentences.add(body_index)
        for term, count in found.items():
            body_counts[term] = body_counts.get(term, 0) + count
    return title_terms, _drop_nested(body_counts), body_sentences, evidence


def _terms_in(terms: Sequence[str], sentence: _Sentence) -> dict[str, int]:
    counts = {t: sentence.count(t) for t in terms}
    return _drop_nested({t: n for t, n in counts.items() if n})


def _drop_nested(counts: dict[str, int]) -> dict[str, int]:
    """'沪苏湖' inside '沪苏湖铁路' is one mention, not two: keep the longest term."""
    keep = {}
    for term, count in counts.items():
        lowered = term.lower()
        if not any(lowered != o.lower() and lowered in o.lower() for o in counts):
            keep[term] = count
    return keep


def _remember(evidence: list[str], text: str) -> None:
    clipped = text[:MAX_SENTENCE_CHARS]
    if len(evidence) < MAX_EVIDENCE_SENTENCES and clipped not in evidence:
        evidence.append(clipped)


# ------------------------------------------------------------------ further fields


def _by_field(matches: list[_Match]) -> dict[str, list[_Match]]:
    """Matches grouped by field, strongest first within each field."""
    grouped: dict[str, list[_Match]] = {}
    for match in sorted(matches, key=lambda m: (-m.raw, m.commitment.id)):
        grouped.setdefault(match.commitment.field, []).append(match)
    return grouped


def _primary(group: list[_Match]) -> _Match:
    """The commitment a field's link is about: the most specific evidence wins, so a release
    on medical bill settlement is about that commitment, not the field's broad words. A term
    inside a longer term another commitment matched ('medical' in 'cross-provincial medical
    settlement') is that commitment's mention."""
    matched = {t.lower() for m in group for t in (*m.title_terms, *m.body_counts)}

    def own(term: str, match: _Match) -> bool:
        lowered = term.lower()
        nested = any(lowered != other and lowered in other for other in matched)
        return lowered not in match.commitment.broad_keys and not nested

    def rank(match: _Match) -> tuple:
        title = {t for t in match.title_terms if own(t, match)}
        body = {t: n for t, n in match.body_counts.items() if own(t, match)}
        return _points(title, body), match.raw, [-ord(c) for c in match.commitment.id]

    return max(group, key=rank)


def _field_features(group: list[_Match], context: dict) -> dict[str, float]:
    """The explainable features the field model weighs (see warehouse/fieldmodel.py)."""
    top = group[0]
    title_terms = set().union(*(m.title_terms for m in group))
    body_counts = _drop_nested({t: n for m in group for t, n in m.body_counts.items()})
    hit_sentences = set().union(*(m.body_sentences for m in group))
    return {
        "raw": top.raw,
        "relative": top.raw / context["best_raw"] if context["best_raw"] else 0.0,
        "strength": top.strength,
        "title_terms": float(len(title_terms)),
        "body_terms": float(len(body_counts)),
        "log_occurrences": math.log1p(sum(body_counts.values())),
        "sentence_share": len(hit_sentences) / max(context["body_sentences"], 1),
        "in_lead": float(0 in hit_sentences),
        "commitments": float(len(group)),
        "zh": float(context["chinese"]),
    }


def _field_table(
    grouped: dict[str, list[_Match]], sentences: list[_Sentence]
) -> tuple[str | None, dict[str, dict[str, float]]]:
    """(the best commitment's field, field-model features for every matched field)."""
    if not grouped:
        return None, {}
    best_field = min(grouped, key=lambda f: (-grouped[f][0].raw, grouped[f][0].commitment.id))
    context = {
        "best_raw": grouped[best_field][0].raw,
        "body_sentences": sum(1 for s in sentences if not s.in_title),
        "chinese": any(s.seg is not None for s in sentences),
    }
    return best_field, {f: _field_features(group, context) for f, group in grouped.items()}


def _field_supports(
    grouped: dict[str, list[_Match]], sentences: list[_Sentence]
) -> tuple[str | None, dict[str, float]]:
    """(best field, support per matched field): 1 for the best, the field model's for others."""
    best_field, features = _field_table(grouped, sentences)
    supports = {
        f: 1.0 if f == best_field else fieldmodel.support(f, x) for f, x in features.items()
    }
    return best_field, supports


def _candidate(match: _Match, field_top_raw: float, best_raw: float, support: float, primary: bool):
    """Score = min(best score, field support) x this commitment's share of its field's best
    (the field's primary commitment gets the whole of it).

    The release's best commitment keeps its lexical score (which decides a follow-up); a
    further field links when its support reaches the field threshold, and no further
    commitment can outscore the best one (so a non-follow-up never shows a link)."""
    share = 1.0 if primary or not field_top_raw else min(match.raw / field_top_raw, 1.0)
    score = round(min(best_raw, support) * share, 4)
    parts = {
        "anchor": match.anchor,
        "strength": round(match.strength, 4),
        "points": round(match.points, 3),
        "lexical": match.raw,
        "field_support": round(support, 4),
        "primary": primary,
        "title_terms": sorted(match.title_terms),
        "body_terms": sorted(match.body_counts),
    }
    terms = sorted(match.title_terms | set(match.body_counts))
    c = match.commitment
    return LinkCandidate(c.id, c.field, score, terms, match.evidence, parts)


def _prepare_release(title: str, body: str, catalog: Sequence[Commitment]):
    """Sentences, anchor and every commitment's term matches for one release."""
    lexicon.add_user_words(term for c in catalog for term in (*c.terms_zh, *c.broad_terms_zh))
    sentences = _sentences(title or "", body or "")
    anchor = _anchor(sentences)
    document = "\n".join(s.lowered for s in sentences)
    terms = {t for c in catalog for t in _all_terms(c)}
    present = {t for t in terms if lexicon.may_occur(t, document)}
    matches = [m for c in catalog if (m := _match_commitment(c, sentences, anchor, present))]
    return sentences, anchor, matches


def field_evidence(
    title: str, body: str, catalog: Sequence[Commitment]
) -> tuple[str | None, dict[str, dict[str, float]]]:
    """(best field, field-model features per matched field): what the field model sees."""
    sentences, _, matches = _prepare_release(title, body, catalog)
    return _field_table(_by_field(matches), sentences)


# ------------------------------------------------------------------ public API


def link_text(
    title: str,
    body: str,
    language: str,
    catalog: Sequence[Commitment],
    threshold: float = LINK_THRESHOLD,
    field_threshold: float = FIELD_THRESHOLD,
    store_floor: float = STORE_FLOOR,
) -> Decision:
    """Score one release against every commitment and decide whether it is a follow-up.

    A release is a follow-up when its best commitment scores at least `threshold`; it then
    links that commitment and every other one scoring at least `field_threshold`, where a
    further field's score is the field model's support for it (a single body mention is
    enough to detect a follow-up, rarely enough to add a second field)."""
    sentences, anchor, matches = _prepare_release(title, body, catalog)
    grouped = _by_field(matches)
    best_field, supports = _field_supports(grouped, sentences)
    best_raw = max((m.raw for m in matches), default=0.0)
    primaries = {f: _primary(group) for f, group in grouped.items()}
    scored = (
        _candidate(m, group[0].raw, best_raw, supports[f], m is primaries[f])
        for f, group in grouped.items()
        for m in group
    )
    # A further field's score is capped at the best one, so on a tie the best field goes first:
    # the first candidate is always the release's best commitment.
    candidates = sorted(
        (c for c in scored if c.score >= store_floor and c.score > 0),
        key=lambda c: (-c.score, c.field != best_field, not c.parts["primary"], c.commitment_id),
    )
    for candidate in candidates:  # every link keeps why the release is set in the delta
        candidate.parts.update(anchor_reason=anchor["reason"], anchor_sentence=anchor["sentence"])
    best = candidates[0].score if candidates else 0.0
    links = _chosen_links(candidates, threshold, field_threshold)
    logger.debug("linked %r (%s): best %.3f, %d links", title[:60], language, best, len(links))
    return Decision(bool(links), best, links, candidates, anchor)


def _chosen_links(
    candidates: list[LinkCandidate], threshold: float, field_threshold: float
) -> list[LinkCandidate]:
    if not candidates or candidates[0].score < threshold:
        return []
    return [candidates[0], *(c for c in candidates[1:] if c.score >= field_threshold)]


def method_version(catalog: Sequence[Commitment]) -> str:
    """METHOD_VERSION plus digests of the catalog, the field model and the lexicon's word
    lists: editing terms or place names, or retraining the model, relinks everything."""
    catalog_part = catalog_digest(list(catalog))
    return (
        f"{METHOD_VERSION}+{catalog_part}+{fieldmodel.model_digest()}+{lexicon.vocabulary_digest()}"
    )


def read_threshold(con, key: str = "link_threshold", default: float = LINK_THRESHOLD) -> float:
    """A threshold the `followups` view uses (a settings row), else the default."""
    try:
        row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    except duckdb.CatalogException as exc:  # no settings table yet: use the default
        logger.debug("no settings table (%s); using default threshold", exc)
        return default
    return float(row[0]) if row and row[0] is not None else default


def read_thresholds(con) -> tuple[float, float]:
    """(link threshold, field threshold) as the `followups` view applies them."""
    return read_threshold(con), read_threshold(con, "field_threshold", FIELD_THRESHOLD)


_PENDING_SQL = """
SELECT r.url, r.language, r.title, r.body, r.content_hash
FROM release_current AS r
LEFT JOIN linked_releases AS l ON l.url = r.url
WHERE l.url IS NULL
   OR l.content_hash IS DISTINCT FROM r.content_hash
   OR l.method_version IS DISTINCT FROM ?
ORDER BY r.url
"""


def link_pending(
    con, run_id: str, catalog: Sequence[Commitment], threshold: float | None = None
) -> int:
    """Score every release in release_current whose (content_hash, method version) differs
    from linked_releases; replace its rows in links (delete + insert, one transaction), upsert
    linked_releases; return the number of new follow-up links. Idempotent: a second call links
    nothing."""
    link_t, field_t = read_thresholds(con)
    threshold = link_t if threshold is None else threshold
    version = method_version(catalog)
    pending = con.execute(_PENDING_SQL, [version]).fetchall()
    new_links = 0
    for url, language, title, body, content_hash in pending:
        decision = link_text(title or "", body or "", language or "", catalog, threshold, field_t)
        new_links += _store(con, (url, content_hash, run_id, version), decision)
    logger.info("linked %d releases, %d new follow-up links", len(pending), new_links)
    return new_links


def _store(con, key: tuple[str, str, str, str], decision: Decision) -> int:
    """Replace one release's links atomically; count follow-up links it did not have before."""
    url, content_hash, run_id, version = key
    with transaction(con):
        before = _followup_ids(con, url)
        since = _followup_since(con, url, before)
        rows = [
            (url, c.commitment_id, content_hash, c.score, _evidence(c), version, run_id)
            + (since.get(c.commitment_id, run_id),)
            for c in decision.candidates
        ]
        con.execute("DELETE FROM links WHERE url = ?", [url])
        if rows:
            con.executemany(_INSERT_LINK_SQL, rows)
        con.execute(
            _UPSERT_LINKED_SQL,
            [url, content_hash, version, run_id, decision.is_followup, decision.best_score],
        )
        after = _followup_ids(con, url)
    return len(after - before)


def _followup_since(con, url: str, shown: set[str]) -> dict[str, str]:
    """commitment -> the run it became a follow-up in, for links already in `followups`: a
    relink (new method version, edited text) keeps it, so the digest does not list them as
    new again."""
    rows = con.execute(
        "SELECT commitment_id, coalesce(followup_since_run, run_id) FROM links WHERE url = ?",
        [url],
    ).fetchall()
    return {cid: run for cid, run in rows if cid in shown and run is not None}


def _followup_ids(con, url: str) -> set[str]:
    """What the `followups` view shows for a release (analyst labels included)."""
    rows = con.execute("SELECT commitment_id FROM followups WHERE url = ?", [url]).fetchall()
    return {row[0] for row in rows}


def _evidence(candidate: LinkCandidate) -> str:
    payload = {k: v for k, v in asdict(candidate).items() if k in ("terms", "sentences", "parts")}
    return json.dumps(payload, ensure_ascii=False)


_INSERT_LINK_SQL = """
INSERT INTO links (url, commitment_id, content_hash, score, evidence, method_version, run_id,
                   followup_since_run, linked_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)
"""

_UPSERT_LINKED_SQL = """
INSERT INTO linked_releases (url, content_hash, method_version, linked_at, run_id, is_followup,
                             best_score)
VALUES (?, ?, ?, current_timestamp, ?, ?, ?)
ON CONFLICT (url) DO UPDATE SET
    content_hash = excluded.content_hash, method_version = excluded.method_version,
    linked_at = excluded.linked_at, run_id = excluded.run_id,
    is_followup = excluded.is_followup, best_score = excluded.best_score
"""


# ------------------------------------------------------------------ explanation


def explain(
    title: str,
    body: str,
    language: str,
    catalog: Sequence[Commitment],
    thresholds: tuple[float, float] = (LINK_THRESHOLD, FIELD_THRESHOLD),
) -> list[str]:
    """Why a release is (or is not) a follow-up, in lines an analyst can read."""
    threshold, field_threshold = thresholds
    decision = link_text(title, body, language, catalog, threshold, field_threshold, 0.0)
    anchor = decision.anchor
    verdict = "FOLLOW-UP" if decision.is_followup else "not a follow-up"
    lines = [
        f"linker's verdict: {verdict} (best score {decision.best_score:.3f}, "
        f"threshold {threshold:.2f}, further fields at {field_threshold:.2f}; "
        f"method {METHOD_VERSION})",
        f"anchor: factor {anchor['factor']:.2f} - {anchor['reason']}; members named: "
        f"{', '.join(anchor['provinces']) or 'none'}",
        *_quoted(anchor["sentence"]),
        f"near-miss penalty: x{anchor['other_region_penalty']}"
        + (" (another regional strategy named)" if anchor["other_region_penalty"] < 1 else ""),
        *_quoted(anchor["other_region_sentence"]),
    ]
    linked = {c.commitment_id for c in decision.links}
    best_field = decision.candidates[0].field if decision.candidates else None
    for c in decision.candidates:
        mark = "LINK" if c.commitment_id in linked else "    "
        lines.append(
            f"{mark} {c.score:.3f} {c.commitment_id} ({c.field}): {_score_reason(c, best_field)}; "
            f"title "
            f"terms {c.parts['title_terms'] or '-'}; body terms {c.parts['body_terms'] or '-'}"
        )
        lines += [line for sentence in c.sentences[:2] for line in _quoted(sentence)]
    zeroed = _zeroed_matches(title, body, catalog, decision)
    lines += [
        f"     0.000 {m.commitment.id} ({m.commitment.field}): terms found, but the anchor of 0 "
        f"zeroes them: {', '.join(sorted({*m.title_terms, *m.body_counts}))}"
        for m in zeroed
    ]
    silent = len(catalog) - len(decision.candidates) - len(zeroed)
    lines.append(f"{silent} commitment(s) matched no term (or need a member not named)")
    return lines


def _zeroed_matches(title: str, body: str, catalog, decision: Decision) -> list[_Match]:
    """Commitments whose terms occur but score 0 (the release is not set in the delta): an
    explanation of "why not" names them rather than calling them unmatched."""
    shown = {c.commitment_id for c in decision.candidates}
    _, _, matches = _prepare_release(title, body, catalog)
    return [m for m in matches if m.raw == 0 and m.commitment.id not in shown]


def commitment_evidence(
    title: str, body: str, language: str, catalog: Sequence[Commitment], commitment_id: str
) -> dict:
    """The linker's evidence for one commitment of a release, scored against the whole catalog
    (so a further field keeps its real support): its terms and sentences even when the score
    is 0 because the release is not set in the delta; empty terms when none occurs."""
    decision = link_text(title, body, language, catalog, store_floor=0.0)
    chosen = next((c for c in decision.candidates if c.commitment_id == commitment_id), None)
    if chosen is not None:
        return {"terms": chosen.terms, "sentences": chosen.sentences, "parts": chosen.parts}
    parts = {"anchor": decision.anchor["factor"], "anchor_reason": decision.anchor["reason"]}
    for match in _zeroed_matches(title, body, catalog, decision):
        if match.commitment.id == commitment_id:
            terms = sorted({*match.title_terms, *match.body_counts})
            return {"terms": terms, "sentences": match.evidence, "parts": parts}
    return {"terms": [], "sentences": [], "parts": parts}


def _quoted(sentence: str) -> list[str]:
    """An evidence sentence as an indented quote line, or nothing."""
    return [f"        > {sentence}"] if sentence else []


def _score_reason(candidate: LinkCandidate, best_field: str | None) -> str:
    """How the score came about: lexical for the best field, field support for the others."""
    parts = candidate.parts
    lexical = f"lexical {parts['lexical']:.3f} = strength {parts['strength']:.3f} x anchor " + (
        f"{parts['anchor']:.2f}"
    )
    if candidate.field == best_field:
        if parts["primary"] and abs(candidate.score - parts["lexical"]) > 5e-4:
            return f"{lexical}; leads its field, so it carries the field's best score"
        return lexical
    return f"{lexical}; further field, support {parts['field_support']:.3f} from the field model"
