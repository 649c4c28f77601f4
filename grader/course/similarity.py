"""Which submissions of a class share unusually much code: evidence for the instructor to weigh.

The pipeline, for one assignment's batch:

1. **Normalise.** Each submission's sources (as :mod:`grader.submissions.intake` reads them: ``.py`` files,
   the code cells of a notebook, the files of a zip) become a stream of tokens (one regular
   expression, so code that does not parse is read too). Comments, docstrings and whitespace are
   dropped; every name the student chose (variables,
   functions, classes, attributes of their own objects) becomes ``V``; what the student cannot
   rename stays: keywords, operators, numbers, string contents, built-ins, imported modules and
   the NumPy, ndarray, dict and list attributes (``np.maximum``, ``.T``, ``.get``). Renaming
   variables, reflowing lines or rewriting comments changes nothing in that stream.
2. **Fingerprint.** Every run of ``k`` tokens is hashed (:func:`kgram_hashes`, the same in every
   run) and ``copydetect`` (MIT) winnows the hashes (Schleimer, Wilkerson and Aiken, 2003): any
   run of at least ``k + window - 1`` tokens shared by two submissions leaves a fingerprint in
   both; copydetect's overlap functions later locate the matched code. The fingerprints of the
   released stubs, the course's helper files and the files it provides are removed: boilerplate
   never counts.
3. **Weigh.** An inverted index maps each fingerprint to the submissions that have it. A
   fingerprint in ``df`` of the class's ``n`` submissions weighs ``log(n / df)`` (the inverse
   document frequency): ``np.maximum(x, 0)`` that half the class wrote weighs little, an odd helper
   two students share weighs much. Fingerprints in more than ``Settings.common_share`` of the
   class weigh nothing and are not paired at all.
4. **Score pairs.** Each weighted fingerprint adds its weight to the pairs of its holders (from
   the index: no pair of submissions is ever diffed), in an (n, n) matrix. A pair's text score is
   the weight of what they share over the weight of the smaller submission's own fingerprints
   (0: nothing rare in common, 1: one contains the other). Failing the same tests with the *same
   wrong answer* (the same catalogued mistake, or the same bytes of an uncatalogued wrong output,
   as ``grade batch`` records them: :mod:`grader.grading.wrong_answers`) is scored the same way on the
   failed tests and raises the pair's rank: ``suspicion = text * (1 + WRONG_BONUS * wrong)``.

Similarity is evidence for a person to weigh, never a verdict: short correct code converges, and a
student may have shared their work without copying anyone's.
"""
from __future__ import annotations

import builtins
import hashlib
import importlib.util
import keyword
import math
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

WRONG_BONUS = 0.5            # how much identical wrong answers raise a pair's rank (see suspicion)
_SEPARATOR = "\x00file"      # between two files of a submission: located matches stop there


@dataclass(frozen=True)
class Settings:
    """The analysis' knobs; the defaults are what ``grade similarity`` uses (docs/similarity.md).

    ``k``: tokens per fingerprinted k-gram; ``window``: winnowing window (matches of at least
    ``k + window - 1`` tokens are always seen); ``common_share``: fingerprints in more than this
    share of the class (and more than ``common_floor`` submissions) weigh nothing; ``threshold``:
    the suspicion from which a pair is reported in report.html; ``listed``: the suspicion from
    which a pair goes into similarity.csv; ``min_tokens``: the fewest matched tokens a reported
    pair must share, so that two nearly empty submissions are not a pair.
    """

    k: int = 12
    window: int = 6
    common_share: float = 0.5
    common_floor: int = 5
    threshold: float = 0.5
    listed: float = 0.2
    min_tokens: int = 40


# --------------------------------------------------------------------------- normalising

_API_NAMES: frozenset[str] | None = None


def _api_names() -> frozenset[str]:
    """Attribute names no student chooses: NumPy's, ndarray's, its random generator's, dict's, list's."""
    global _API_NAMES
    if _API_NAMES is None:
        names: set[str] = set()
        for owner in (np, np.ndarray, np.random, np.random.Generator, np.linalg, dict, list, str, math):
            names.update(n for n in dir(owner) if not n.startswith("__"))
        _API_NAMES = frozenset(names)
    return _API_NAMES


@dataclass(slots=True)
class Token:
    """One normalised token and where it came from: ``start``, ``end`` are character offsets into
    file ``file`` of the submission."""

    text: str
    file: int
    start: int
    end: int


# One pass of one regular expression (C speed): Pygments' lexer was 4x slower than the budget of
# 400 submissions in 10 s allows, and the standard tokenizer refuses code that does not parse.
_LEXEME = re.compile(r"""
 (?P<comment>\#[^\n]*)
|(?P<string>[rRbBuUfF]{0,2}(?:'''[\s\S]*?(?:'''|\Z)|\"\"\"[\s\S]*?(?:\"\"\"|\Z)|'(?:\\.|[^'\\\n])*'?|"(?:\\.|[^"\\\n])*"?))
|(?P<name>[^\W\d]\w*)
|(?P<number>0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)
|(?P<newline>\n)
|(?P<space>[ \t\f\r]+|\\\n)
|(?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%@&|^=<>!]=|.)
""", re.VERBOSE)
_IMPORTED = re.compile(r"^[ \t]*import[ \t]+([\w.]+)(?:[ \t]+as[ \t]+(\w+))?", re.MULTILINE)
# bare names kept as they are: keywords, built-ins, and the modules every solution uses
_KEEP_BARE = (frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
              | {"self", "cls", "np", "numpy", "math"})
_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")


def normalised_tokens(source: str, file: int = 0) -> list[Token]:
    """The tokens of ``source`` (Python, parsed or not) that fingerprints are made of; see the
    module docstring. A string alone on its logical line (a docstring) is dropped like a comment."""
    normals, starts, ends = _lex(source)
    return [Token(n, file, a, b) for n, a, b in zip(normals, starts, ends)]


def _lex(source: str) -> tuple[list[str], list[int], list[int]]:
    """:func:`normalised_tokens` as three parallel lists (texts, starts, ends): no object per token,
    which is most of the time and memory of a class of 2,000."""
    api = _api_names()
    modules = {name for m in _IMPORTED.finditer(source) for name in (m.group(1).split(".")[0], m.group(2)) if name}
    normals: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    depth, line_start, previous = 0, True, ""
    pending: tuple[str, int, int] | None = None    # a string that opened its line: a docstring if it ends it
    for match in _LEXEME.finditer(source):
        kind = match.lastgroup
        if kind == "space" or kind == "comment":
            continue
        if kind == "newline":
            if depth == 0:
                line_start, pending = True, None
            continue
        if pending is not None:
            normals.append(pending[0])
            starts.append(pending[1])
            ends.append(pending[2])
            pending = None
        text = match.group()
        if kind == "string":
            normal = "S" + _string_body(text)
            if line_start and depth == 0:
                pending, line_start, previous = (normal, match.start(), match.end()), False, normal
                continue
        elif kind == "name":
            if previous == ".":
                normal = text if text in api else "V"
            elif text in _KEEP_BARE or text in modules:
                normal = "np" if text == "numpy" else text
            else:
                normal = "V"
        else:
            normal = text
            if text in _OPENING:
                depth += 1
            elif text in _CLOSING:
                depth = max(0, depth - 1)
        normals.append(normal)
        starts.append(match.start())
        ends.append(match.end())
        line_start, previous = False, normal
    if pending is not None:             # a string on the last line, without a newline after it
        normals.append(pending[0])
        starts.append(pending[1])
        ends.append(pending[2])
    return normals, starts, ends


def _string_body(literal: str) -> str:
    """A string literal without its prefix and quotes: 'a' and "a" are the same token."""
    body = literal.lstrip("rRbBuUfF")
    quote = body[:3] if body[:3] in ("'''", '"""') else body[:1]
    body = body[len(quote):]
    return body[:-len(quote)] if body.endswith(quote) else body


class Vocabulary:
    """Maps each distinct normalised token to a 64-bit id derived from its text alone (BLAKE2b), so
    the same code has the same fingerprints in every run and in any order of the class."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def encode(self, normals: list[str]) -> np.ndarray:
        """The token ids of ``normals`` (uint64, one per token)."""
        ids = self.ids
        for new in set(normals).difference(ids):
            digest = hashlib.blake2b(new.encode("utf-8", "surrogateescape"), digest_size=8).digest()
            ids[new] = int.from_bytes(digest, "little")
        return np.fromiter(map(ids.__getitem__, normals), dtype=np.uint64, count=len(normals))


_VOCABULARY = Vocabulary()
_BASE, _MIX = np.uint64(0x100000001B3), np.uint64(0xFF51AFD7ED558CCD)


def kgram_hashes(ids: np.ndarray, k: int) -> np.ndarray:
    """A hash of each run of ``k`` token ids (int64, one per start offset): a polynomial in
    ``_BASE`` modulo 2**64, then MurmurHash3's finaliser so that winnowing's minima are spread.

    dlgrade hashes the k-grams itself, in NumPy, because copydetect's ``hashed_kgrams`` uses
    Python's ``hash()``, which is salted anew in every process: its fingerprints, and so a
    report's borderline pairs, would change from one run to the next."""
    count = len(ids) - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    h = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(k):
            h = h * _BASE + ids[offset:offset + count]
        h ^= h >> np.uint64(33)
        h *= _MIX
        h ^= h >> np.uint64(33)
    return h.view(np.int64)


# --------------------------------------------------------------------------- fingerprints

def copydetect_utils():
    """``copydetect.utils`` (hashing, winnowing, overlaps) without running ``copydetect/__init__.py``.

    That ``__init__`` imports copydetect's HTML report (matplotlib.pyplot, jinja2, tqdm): 1 to 2 s
    that would be most of ``grade similarity``'s time for a class of 400, for code dlgrade does not
    use. The package is entered in ``sys.modules`` unexecuted only while its ``utils`` submodule
    loads, then removed, so a later ``import copydetect`` runs it whole as usual.
    """
    loaded = sys.modules.get("copydetect.utils")
    if loaded is not None:
        return loaded
    if "copydetect" in sys.modules:
        import copydetect.utils  # optional, and loaded without its __init__ (see above)
        return copydetect.utils
    found = importlib.util.find_spec("copydetect")
    if found is None:
        raise ImportError("copydetect is not installed: pip install 'copydetect>=0.5,<0.6'")
    sys.modules["copydetect"] = importlib.util.module_from_spec(found)
    try:
        import copydetect.utils  # optional, and loaded without its __init__ (see above)
        return copydetect.utils
    finally:
        del sys.modules["copydetect"]


@dataclass
class Document:
    """One submission as the analysis sees it.

    ``files``: (module, source text); ``ids``: the normalised tokens of all files in module
    order, as :class:`Vocabulary` ids (a separator between files); ``file_of``, ``start``,
    ``end``: per token, its file's index (-1 for a separator) and its character offsets; ``where``:
    fingerprint -> token offsets where its k-gram starts; ``failures``: test -> how it failed.
    """

    student: str
    files: list[tuple[str, str]]
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    file_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    where: dict[int, list[int]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def tokenise(student: str, sources: dict[str, str]) -> Document:
    """A :class:`Document` for ``sources`` (module -> text): its normalised, encoded token stream."""
    doc = Document(student, sorted(sources.items()))
    normals, file_of, starts, ends = [], [], [], []
    for index, (_, source) in enumerate(doc.files):
        texts, first, last = _lex(source)
        separator = [_SEPARATOR] if index else []      # before every file but the first
        normals += separator + texts
        file_of.append([-1] * len(separator) + [index] * len(texts))
        starts.append([0] * len(separator) + first)
        ends.append([0] * len(separator) + last)
    doc.ids = _VOCABULARY.encode(normals)
    if file_of:
        doc.file_of, doc.start, doc.end = (np.concatenate([np.asarray(p, dtype=np.int32) for p in parts])
                                           for parts in (file_of, starts, ends))
    return doc


def _fingerprints(ids: np.ndarray, settings: Settings, boilerplate: np.ndarray) -> dict[int, list[int]]:
    """The k-gram hashes of the token ``ids`` that copydetect's winnowing keeps: hash -> token
    offsets where its k-gram starts, boilerplate removed."""
    if len(ids) < settings.k:
        return {}
    hashes, starts = copydetect_utils().winnow(kgram_hashes(ids, settings.k), settings.window,
                                               remove_duplicates=False)
    keep = ~np.isin(hashes, boilerplate) if len(boilerplate) else np.ones(len(hashes), dtype=bool)
    where: dict[int, list[int]] = {}
    for h, i in zip(hashes[keep].tolist(), starts[keep].tolist()):
        where.setdefault(h, []).append(i)
    return where


def boilerplate_hashes(sources: Iterable[str], settings: Settings) -> np.ndarray:
    """Every k-gram hash (not only the winnowed ones) of the stubs and course files: none counts."""
    hashes = [kgram_hashes(_VOCABULARY.encode(_lex(text)[0]), settings.k) for text in sources]
    hashes = [h for h in hashes if len(h)]
    return np.unique(np.concatenate(hashes)) if hashes else np.array([], dtype=np.int64)


def fingerprint(doc: Document, settings: Settings, boilerplate: np.ndarray) -> None:
    """Fill ``doc.where``: its fingerprints, boilerplate removed."""
    doc.where = _fingerprints(doc.ids, settings, boilerplate)


# --------------------------------------------------------------------------- pairs

@dataclass
class Pair:
    """Two submissions (indices into ``Analysis.documents``, ``a < b``) and what they share.

    ``text``: weighted share of rare code in [0, 1]; ``wrong``: weighted share of identical wrong
    answers in [0, 1]; ``same_wrong``: the tests both failed the same way; ``regions``: per side,
    (file index, start, end) character ranges of the matched code; ``matched``: matched tokens on
    the smaller side (None when not measured); ``cluster``: the cluster's number (1 = most suspicious), 0 when not reported.
    """

    a: int
    b: int
    text: float
    wrong: float = 0.0
    same_wrong: list[str] = field(default_factory=list)
    regions: tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]] = ([], [])
    matched: int | None = None        # None: not located (suspicion below the threshold)
    cluster: int = 0

    @property
    def suspicion(self) -> float:
        return self.text * (1 + WRONG_BONUS * self.wrong)


@dataclass
class Analysis:
    """The class's pairs (suspicion at least ``settings.listed``, most suspicious first) and the
    clusters of reported pairs (lists of document indices, largest suspicion first)."""

    documents: list[Document]
    pairs: list[Pair]
    clusters: list[list[int]]
    settings: Settings

    def reported(self, pair: Pair) -> bool:
        return pair.suspicion >= self.settings.threshold and (pair.matched or 0) >= self.settings.min_tokens


def analyse(documents: list[Document], boilerplate: Iterable[str], settings: Settings = Settings()) -> Analysis:
    """Fingerprint ``documents`` (tokenised, failures filled in), weigh and pair them; see the module
    docstring. ``boilerplate``: the source texts of the stubs and course files."""
    blocked = boilerplate_hashes(boilerplate, settings)
    for doc in documents:
        fingerprint(doc, settings, blocked)
    index: dict[int, list[int]] = {}
    for i, doc in enumerate(documents):
        for h in doc.where:
            index.setdefault(h, []).append(i)
    n = len(documents)
    cap = max(settings.common_floor, int(settings.common_share * n))
    weight = {h: math.log(n / len(holders)) for h, holders in index.items() if len(holders) <= cap}
    pairs = _pairs(documents, index, weight, min(settings.listed, settings.threshold))
    for pair in pairs:
        if pair.suspicion >= settings.threshold:     # only a pair that may be reported is located
            _locate(pair, documents, weight, settings.k)
    pairs.sort(key=lambda p: (-p.suspicion, -(p.matched or 0), documents[p.a].student, documents[p.b].student))
    analysis = Analysis(documents, pairs, [], settings)
    analysis.clusters = _clusters(analysis)
    return analysis


def _pairs(documents: list[Document], index: dict[int, list[int]], weight: dict[int, float],
           floor: float) -> list[Pair]:
    """Every pair whose suspicion reaches ``floor``, with its text and wrong-answer scores."""
    n = len(documents)
    own = np.array([sum(weight.get(h, 0.0) for h in doc.where) for doc in documents], dtype=np.float64)
    smaller = np.minimum.outer(own, own)
    shared = _shared_weight(index, weight, n)
    text = np.divide(shared, smaller, out=np.zeros_like(shared), where=smaller > 0)
    failures = _failure_frequency(documents)
    pairs = []
    # the wrong-answer bonus multiplies by at most 1 + WRONG_BONUS: pairs below this cannot reach floor
    for a, b in np.argwhere(np.triu(text >= floor / (1 + WRONG_BONUS), 1)).tolist():
        pair = Pair(a, b, min(1.0, float(text[a, b])))
        pair.wrong, pair.same_wrong = _same_wrong(documents[a], documents[b], failures, n)
        if pair.suspicion >= floor:
            pairs.append(pair)
    return pairs


def _shared_weight(index: dict[int, list[int]], weight: dict[int, float], n: int) -> np.ndarray:
    """An (n, n) matrix: [a, b] is the summed weight of the fingerprints both a and b have.

    Only the index's holders of each weighted fingerprint are visited; each fingerprint adds its
    weight to the block of its holders in one NumPy operation (2,000 submissions: 16 MB)."""
    shared = np.zeros((n, n), dtype=np.float32)
    for h, w in weight.items():
        holders = index[h]
        if len(holders) > 1 and w > 0:
            at = np.asarray(holders)
            shared[at[:, None], at] += w
    return shared.astype(np.float64)


def _failure_frequency(documents: list[Document]) -> dict[tuple[str, str], int]:
    """(test, signature) -> how many submissions failed that test that way."""
    counts: dict[tuple[str, str], int] = {}
    for doc in documents:
        for item in doc.failures.items():
            counts[item] = counts.get(item, 0) + 1
    return counts


def _same_wrong(a: Document, b: Document, counts: dict[tuple[str, str], int], n: int) -> tuple[float, list[str]]:
    """(weighted share of the failed tests both failed identically, those tests' names);
    ``counts`` from :func:`_failure_frequency` over the ``n`` submissions."""
    if not a.failures or not b.failures:
        return 0.0, []
    same, total, names = 0.0, 0.0, []
    for test in sorted(set(a.failures) | set(b.failures)):
        weights = [math.log(n / counts[(test, d.failures[test])]) for d in (a, b) if test in d.failures]
        total += max(weights)
        if a.failures.get(test) == b.failures.get(test):
            same += weights[0]
            names.append(test)
    return (same / total if total > 0 else 0.0), names


def _locate(pair: Pair, documents: list[Document], weight: dict[int, float], k: int) -> None:
    """Fill ``pair.regions`` and ``pair.matched`` from the weighted fingerprints both sides have
    (copydetect's overlap and slice functions, in token offsets, mapped back to characters)."""
    utils = copydetect_utils()
    a, b = documents[pair.a], documents[pair.b]
    common = {h for h in set(a.where) & set(b.where) if weight.get(h, 0.0) > 0}
    starts_a, starts_b = utils.find_fingerprint_overlap(common, common, a.where, b.where)
    regions, matched = [], []
    for doc, starts in ((a, starts_a), (b, starts_b)):
        slices = utils.get_copied_slices(np.asarray(starts, dtype=np.int64), k)
        spans = [(int(s), int(e)) for s, e in zip(*slices)] if len(starts) else []
        matched.append(sum(e - s for s, e in spans))
        regions.append(_characters(doc, spans))
    pair.regions = (regions[0], regions[1])
    pair.matched = min(matched)


def _characters(doc: Document, spans: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Token spans [start, end) -> (file index, first character, last character + 1), split where
    a span crosses from one file into the next."""
    out: list[tuple[int, int, int]] = []
    for start, end in spans:
        run = doc.file_of[start:min(end, len(doc.file_of))]
        breaks = [0, *(np.flatnonzero(run[1:] != run[:-1]) + 1).tolist(), len(run)]
        for lo, hi in zip(breaks, breaks[1:]):
            if hi > lo and run[lo] >= 0:
                out.append((int(run[lo]), int(doc.start[start + lo]), int(doc.end[start + hi - 1])))
    return out


def _clusters(analysis: Analysis) -> list[list[int]]:
    """Connected groups of reported pairs (union-find), numbered into ``Pair.cluster``."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    reported = [p for p in analysis.pairs if analysis.reported(p)]
    for p in reported:
        parent[root(p.a)] = root(p.b)
    groups: dict[int, list[int]] = {}
    for member in parent:
        groups.setdefault(root(member), []).append(member)
    order = []            # by the first (most suspicious) reported pair that touches the group
    for p in reported:
        if root(p.a) not in order:
            order.append(root(p.a))
    for number, r in enumerate(order, start=1):
        for p in reported:
            if root(p.a) == r:
                p.cluster = number
    return [sorted(groups[r]) for r in order]
