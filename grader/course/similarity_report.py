"""The similarity outputs of a batch: what ``grade batch`` keeps for them, and what
``grade batch --similarity`` and ``grade similarity OUT`` write (docs/similarity.md).

In ``OUT``:

* ``similarity-data/`` (mode 0700, the instructor's only): ``sources/<checksum>.json``, the source
  text of each graded submission as the grader read it (the code cells of a notebook, the files of
  a zip), and ``boilerplate.json``, the assignment's stubs, helper files and course files. Batch
  keeps them on every run (:class:`SourceKeeper`), so ``grade similarity OUT`` needs nothing but
  ``OUT``.
* ``similarity.csv``: every pair whose suspicion reaches ``Settings.listed``, most suspicious first.
* ``similarity/pair-NNNN.html``: the side-by-side view of each reported pair.
* the *Similarity* section of ``report.html``, replaced in place on each run.

Nothing here goes into the student's feedback, and nothing leaves the machine.
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from pathlib import Path

from ..grading.wrong_answers import failure_signatures
from ..render.feedback import _REPORT_STYLE, _page, neutralise
from ..render.files import atomic_write
from ..submissions.intake import IntakeError, read_submission
from .results_log import RESULTS_FILE, ResultsLog
from .similarity import WRONG_BONUS, Analysis, Document, Pair, Settings, analyse, tokenise

DATA_DIR, CSV_FILE, PAGES_DIR = "similarity-data", "similarity.csv", "similarity"
MAX_PAGES = 500            # side-by-side pages (and report rows) for the most suspicious pairs; the CSV has all
_SECTION = re.compile(r'\n?<section id="similarity">.*?</section>\n?', re.DOTALL)
DISCLAIMER = ("Similarity is evidence for a person to weigh, not a verdict. Short, correct code converges "
              "on the same lines; a shared fingerprint can come from a study group, a tutorial or a "
              "student whose work was taken. Read the code side by side before you act.")


class SimilarityError(Exception):
    """``OUT`` holds no batch that similarity can read; one line."""


# --------------------------------------------------------------------------- what batch keeps

def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class SourceKeeper:
    """Keeps, under ``OUT/similarity-data``, the boilerplate of ``spec`` and the sources of each
    submission as it is graded (:meth:`keep`), for ``grade similarity OUT`` later.

    A batch calls :meth:`keep` as each result arrives, while the grading processes work, so
    reading a notebook again costs no wall time. Files are renamed into place but not fsync'ed:
    a source lost to a crash only leaves that student out of the comparison (the report says so)."""

    def __init__(self, spec, out: Path):
        self.spec = spec
        self.folder = _private_dir(out / DATA_DIR / "sources")
        _private_dir(out / DATA_DIR)
        _write(out / DATA_DIR / "boilerplate.json", json.dumps(boilerplate_sources(spec)))

    def keep(self, checksum: str, path: Path) -> None:
        """Store the sources of the submission at ``path`` (an unreadable one is skipped: its row
        already says why)."""
        target = self.folder / f"{_safe(checksum)}.json"
        if not checksum or target.exists():
            return
        try:
            sources = read_submission(self.spec, path).sources
        except (IntakeError, OSError):
            return
        if sources:
            _write(target, json.dumps({"sources": sources}, ensure_ascii=False))


def _write(path: Path, text: str) -> None:
    """Whole or not at all (a temporary file renamed), without the cost of an fsync."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def boilerplate_sources(spec) -> list[str]:
    """The texts that never count: the stubs, the helper files (shipped or private) and the course's
    files that stand in for earlier assignments."""
    paths = [spec.dir / f for f in spec.files] + [h.path for h in spec.helpers.values()] + [p.path for p in spec.provides]
    texts = []
    for path in paths:
        try:
            texts.append(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return texts


def _safe(checksum: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", checksum)


def load_documents(out: Path, rows: list[dict]) -> tuple[list[Document], list[str]]:
    """(a Document per row whose sources were kept, the students left out and why)."""
    folder = out / DATA_DIR / "sources"
    documents, left_out = [], []
    for row in rows:
        path = folder / f"{_safe(row.get('checksum') or '')}.json"
        try:
            sources = json.loads(path.read_text(encoding="utf-8"))["sources"]
        except (OSError, ValueError, KeyError, TypeError):
            if row.get("status") != "graded":          # unreadable: nothing to compare, its row says why
                continue
            left_out.append(f"{row['student']}: its sources were not kept (graded by an older version, "
                            "or lost); grade batch --no-resume keeps them")
            continue
        doc = tokenise(row["student"], {str(k): str(v) for k, v in sources.items()})
        doc.failures = failure_signatures(row)
        documents.append(doc)
    return documents, left_out


# --------------------------------------------------------------------------- the run

def load_rows(out: Path) -> list[dict]:
    """The rows of ``OUT/results.jsonl`` (the last per student), or SimilarityError."""
    if not (out / RESULTS_FILE).is_file():
        raise SimilarityError(f"{out}: no {RESULTS_FILE}; run grade batch with --out {out} first")
    rows, _ = ResultsLog(out / RESULTS_FILE).load()
    return list(rows.values())


def run_similarity(out: Path, rows: list[dict], settings: Settings = Settings()) -> tuple[Analysis, list[str]]:
    """Analyse ``rows`` (results.jsonl's) of the batch in ``out`` and write every output; returns
    the analysis and the students left out."""
    try:
        boilerplate = json.loads((out / DATA_DIR / "boilerplate.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SimilarityError(f"{out}: no {DATA_DIR}/boilerplate.json; run grade batch on this folder first") from None
    documents, left_out = load_documents(out, rows)
    analysis = analyse(documents, boilerplate, settings)
    pages = _private_dir(out / PAGES_DIR)
    reported = [p for p in analysis.pairs if analysis.reported(p)][:MAX_PAGES]
    written = set()
    for rank, pair in enumerate(reported, start=1):
        name = f"pair-{rank:04d}.html"
        atomic_write(pages / name, side_by_side(analysis, pair, rank))
        written.add(name)
    for old in pages.glob("pair-*.html"):             # pairs of an earlier run
        if old.name not in written:
            old.unlink()
    atomic_write(out / CSV_FILE, similarity_csv(analysis))
    report = out / "report.html"
    if report.exists():
        atomic_write(report, splice(report.read_text(encoding="utf-8"), section(analysis, left_out)))
    return analysis, left_out


# --------------------------------------------------------------------------- rendering

def similarity_csv(analysis: Analysis) -> str:
    """similarity.csv: one line per listed pair, most suspicious first (formula cells neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["rank", "student_a", "student_b", "suspicion", "text_share", "matched_tokens",
                     "same_wrong_answers", "wrong_share", "cluster", "reported", "page"])
    docs, rank = analysis.documents, 0
    for pair in analysis.pairs:
        reported = analysis.reported(pair)
        rank += reported
        writer.writerow([rank if reported else "", neutralise(docs[pair.a].student), neutralise(docs[pair.b].student),
                         f"{pair.suspicion:.3f}", f"{pair.text:.3f}", "" if pair.matched is None else pair.matched,
                         neutralise(" ".join(pair.same_wrong)), f"{pair.wrong:.3f}", pair.cluster or "",
                         "yes" if reported else "no",
                         f"{PAGES_DIR}/pair-{rank:04d}.html" if reported and rank <= MAX_PAGES else ""])
    return buffer.getvalue()


_STYLE = """
.sim-note{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px}
.sbs{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px}
.sbs pre{background:#fafafa;border:1px solid #ddd;padding:6px;overflow-x:auto;font-size:12px;white-space:pre}
mark{background:#ffd54f}
""".strip()


def section(analysis: Analysis, left_out: list[str]) -> str:
    """The *Similarity* section of report.html: the note, the reported pairs and the clusters."""
    e = html.escape
    docs, s = analysis.documents, analysis.settings
    reported = [p for p in analysis.pairs if analysis.reported(p)]
    beyond = len(reported) - MAX_PAGES
    reported = reported[:MAX_PAGES]
    lines = []
    for rank, p in enumerate(reported, start=1):
        wrong = ", ".join(p.same_wrong) or "-"
        lines.append(f"<tr><td>{rank}</td><td>{e(docs[p.a].student)}</td><td>{e(docs[p.b].student)}</td>"
                     f"<td>{p.suspicion:.2f}</td><td>{100 * p.text:.0f}%</td><td>{p.matched}</td>"
                     f"<td>{e(wrong)}</td><td>{p.cluster}</td>"
                     f'<td><a href="{PAGES_DIR}/pair-{rank:04d}.html">side by side</a></td></tr>')
    table = ("<table><thead><tr><th>#</th><th>student</th><th>student</th><th>suspicion</th><th>rare code shared</th>"
             "<th>matched tokens</th><th>same wrong answers</th><th>cluster</th><th></th></tr></thead>"
             f"<tbody>{''.join(lines)}</tbody></table>") if reported else \
        f"<p>No pair of submissions shares unusually much (threshold {s.threshold:.2f}).</p>"
    clusters = "".join(f"<li>cluster {i}: {e(', '.join(docs[m].student for m in members))}</li>"
                       for i, members in enumerate(analysis.clusters, start=1) if len(members) > 2)
    listed = len(analysis.pairs) - len(reported)
    more = f"<p>{beyond} more reported pairs are in similarity.csv only.</p>" if beyond > 0 else ""
    missing = "".join(f"<li>{e(line)}</li>" for line in left_out)
    return (f'<section id="similarity"><style>{_STYLE}</style><h2>Similarity</h2>'
            f'<p class="sim-note"><strong>{e(DISCLAIMER)}</strong> Students never see this section.</p>'
            f"<p>{len(docs)} submissions compared on their code (the stubs and course files removed; names, "
            f"comments and layout ignored; code that many students wrote weighs less). "
            f"Suspicion = share of rare code in common &times; (1 + {WRONG_BONUS:g} &times; share of identical wrong answers). "
            f"Pairs from {s.threshold:.2f} are listed here; {listed} more from {s.listed:.2f} are in "
            f"<a href=\"similarity.csv\">similarity.csv</a>.</p>{table}{more}"
            + (f"<h3>Clusters of three or more</h3><ul>{clusters}</ul>" if clusters else "")
            + (f"<h3>Not compared</h3><ul>{missing}</ul>" if missing else "")
            + "</section>")


def splice(page: str, new_section: str) -> str:
    """``page`` with its Similarity section replaced by ``new_section`` (added before </body>)."""
    page = _SECTION.sub("\n", page)
    at = page.rfind("</body>")
    return page[:at] + new_section + "\n" + page[at:] if at >= 0 else page + new_section


def _highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` escaped, with the character ranges ``spans`` (sorted, may overlap) in <mark>."""
    out, at = [], 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        out += [html.escape(text[at:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def _column(doc: Document, regions: list[tuple[int, int, int]]) -> str:
    parts = []
    for index, (module, text) in enumerate(doc.files):
        spans = [(s, e) for f, s, e in regions if f == index]
        parts.append(f"<h4>{html.escape(module)}.py</h4><pre>{_highlighted(text, spans)}</pre>")
    return f"<div><h3>{html.escape(doc.student)}</h3>{''.join(parts)}</div>"


def side_by_side(analysis: Analysis, pair: Pair, rank: int) -> str:
    """The page of one pair: both submissions' files, the matched code marked on each side."""
    a, b = analysis.documents[pair.a], analysis.documents[pair.b]
    e = html.escape
    wrong = (f"<p>Both failed these tests with the same wrong answer: {e(', '.join(pair.same_wrong))}.</p>"
             if pair.same_wrong else "")
    body = (f'<p><a href="../report.html#similarity">Back to the report</a></p>'
            f"<h1>Pair {rank}: {e(a.student)} and {e(b.student)}</h1>"
            f'<p class="sim-note"><strong>{e(DISCLAIMER)}</strong></p>'
            f"<p>Suspicion {pair.suspicion:.2f}: {100 * pair.text:.0f}% of the rarer code in common, "
            f"{pair.matched} matched tokens. Highlighted: code both share that is neither in the stub nor "
            f"common in the class (names, comments and layout may differ).</p>{wrong}"
            f'<div class="sbs">{_column(a, pair.regions[0])}{_column(b, pair.regions[1])}</div>')
    wide = "body{max-width:1600px}"             # two files side by side need more than the report's width
    return _page(f"Similarity: {a.student} and {b.student}", body, "\n".join((_REPORT_STYLE, _STYLE, wide)))
