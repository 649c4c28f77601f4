"""Student text is data: the one escaping function that every renderer uses, and the Markdown and
HTML forms built on it.

Anything a submission can influence reaches reports as text: exception messages and tracebacks,
printed output, type names, notebook metadata, file and folder names (hence student ids). Such
text may hold characters that *act* where they are shown instead of being shown:

* C0 and C1 control characters (ESC and the 8-bit CSI start terminal sequences that clear the
  screen, move the cursor or set the window title; CR overwrites a line; NUL ends C strings;
  XML 1.0 forbids most of them);
* DEL;
* bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) and the bidi marks
  (U+200E, U+200F, U+061C), which reorder what a reader sees ("Trojan Source");
* the line and paragraph separators U+2028 and U+2029 (line breaks to ``str.splitlines`` and to
  JavaScript, but not to JSON);
* lone surrogates (U+D800..U+DFFF), which no UTF-8 writer can encode;
* the non-characters U+FFFE and U+FFFF, which XML 1.0 forbids.

:func:`escape` writes each of them as the Python escape a student would type (``\\x1b``,
``\\u202e``, ``\\ud800``), so the text stays readable and nothing is lost silently. Newline and
tab are kept in multi-line text (messages, tracebacks, printed output), where every renderer shows
them as line breaks and spaces; one-line text (names, ids, table cells, log lines) escapes the
newline too, so that it cannot start a line of its own ("Score: 29/29"). Backslashes are left
alone: the escaping is idempotent (``escape(escape(s)) == escape(s)``), so text escaped where it
was recorded can be escaped again where it is shown.

This module imports nothing of ``grader``: it belongs to the lowest layer.
"""
from __future__ import annotations

import html
import re

_ACTIVE = ("\x00-\x08\x0b-\x1f\x7f-\x9f"          # C0 but tab and newline, DEL, C1
           "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"   # bidi marks, embeddings, overrides, isolates
           "\u2028\u2029"                          # line and paragraph separators
           "\ud800-\udfff"                         # lone surrogates
           "\ufffe\uffff")                         # non-characters XML forbids
_MULTI_LINE = re.compile(f"[{_ACTIVE}]")
_ONE_LINE = re.compile(f"[{_ACTIVE}\n]")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*\[\]|])")
_BACKTICKS = re.compile(r"`+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _code(match: re.Match) -> str:
    point = ord(match.group())
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def escape(text: str, multiline: bool = True) -> str:
    """``text`` with every character that could act where it is shown written as its Python escape.

    ``multiline`` keeps newlines (tabs are always kept); one-line text escapes them as ``\\x0a``.
    Anything that is not a ``str`` is turned into one first.
    """
    if not isinstance(text, str):
        text = str(text)
    return (_MULTI_LINE if multiline else _ONE_LINE).sub(_code, text)


def markdown_text(text: str) -> str:
    """One line of student text for Markdown prose or a table cell: escaped, with HTML tags and
    entities written as text, and a backslash before the punctuation that would make links,
    images, bold text, code spans or table columns of it (CommonMark allows a backslash before any
    ASCII punctuation). A heading or a list needs a line of its own, which one-line text never
    starts; intraword ``_`` (test names) stays as it is."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(escape(text, multiline=False), quote=False))


def markdown_code_block(text: str) -> str:
    """``text`` as a fenced Markdown code block that nothing inside can close: the fence is one
    backtick longer than the longest run of backticks in the text (at least three)."""
    text = escape(text)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def markdown_code_span(text: str) -> str:
    """One line of text as inline code that nothing inside can close (CommonMark: a delimiter of
    more backticks than any run inside, padded with a space where the text touches a backtick)."""
    text = escape(text, multiline=False)
    if not text:
        return ""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_text(text: str, multiline: bool = True) -> str:
    """Student text for HTML content or attributes: escaped, then ``& < > " '`` as entities."""
    return html.escape(escape(text, multiline))


def spreadsheet_cell(text: str) -> str:
    """A CSV text cell that no spreadsheet will execute and no importer splits: escaped to one line,
    with a leading apostrophe before a formula (OWASP: a cell starting with ``= + - @``, tab or CR)."""
    text = escape(text, multiline=False)
    return "'" + text if text.startswith(_FORMULA_START) else text
