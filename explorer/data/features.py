"""Ground truth for every character of a text: what a unit might have learned to track.

All values describe the state *after reading* character t, which is what the hidden state h_t has
seen: an opening bracket already has depth 1, a closing quote is already outside the string.

The scanner knows enough Python to be right on source code: single, double and triple quotes,
backslash escapes (also in raw strings, where \\" does not end the string either), `#` comments that
start only outside strings, and brackets that count only outside strings and comments. A single-quoted
string left open at the end of a line ends there, as Python's tokenizer would report an error and
resume on the next line.

User features are regular expressions: 1 on every character inside a match, 0 elsewhere. Python's `re`
cannot be interrupted, so matching runs in a separate, isolated interpreter with a time limit; a pattern
that backtracks catastrophically is stopped and reported, and never blocks the app.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass

import numpy as np

from explorer.limits import MAX_PATTERN_LEN

__all__ = ["FEATURES", "FEATURE_LABELS", "Features", "text_features", "regex_feature", "check_pattern",
           "MAX_PATTERN_LEN", "REGEX_TIMEOUT"]

FEATURES = ("bracket_depth", "in_string", "in_comment", "indentation", "column", "chars_left")
FEATURE_LABELS = {
    "bracket_depth": "bracket depth",
    "in_string": "inside a string",
    "in_comment": "inside a comment",
    "indentation": "indentation",
    "column": "column",
    "chars_left": "characters left in line",
    "regex": "inside a match of your regex",
}
REGEX_TIMEOUT = 2.0  # seconds a user regex may run (including starting the isolated interpreter)


@dataclass(frozen=True)
class Features:
    """Per-character feature values: names[k] is row k of values, (F, T) float64."""

    names: tuple[str, ...]
    values: np.ndarray  # (F, T)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.names:
            raise KeyError(f"no feature {name!r}; have {', '.join(self.names)}")
        return self.values[self.names.index(name)]

    def with_feature(self, name: str, values: np.ndarray) -> "Features":
        if values.shape != (self.values.shape[1],):
            raise ValueError(f"feature {name!r} needs shape ({self.values.shape[1]},), got {values.shape}")
        names = tuple(n for n in self.names if n != name) + (name,)
        rows = [self[n] for n in names[:-1]] + [values.astype(np.float64)]
        return Features(names=names, values=np.stack(rows))


def _scan(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(depth, in_string, in_comment), each (T,): the lexical state after reading each character."""
    T = len(text)
    depth = np.zeros(T, dtype=np.int64)
    in_str = np.zeros(T, dtype=np.int64)
    in_com = np.zeros(T, dtype=np.int64)
    level = 0
    quote: str | None = None  # the delimiter of the open string: ', ", ''' or """
    escaped = False
    comment = False
    i = 0
    while i < T:
        ch = text[i]
        if comment:
            comment = ch != "\n"
            in_com[i] = comment
        elif quote is not None:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif text.startswith(quote, i):
                n = len(quote)
                in_str[i: i + n - 1] = 1  # the first two of a closing ''' are still inside
                depth[i: i + n] = level
                quote = None
                i += n
                continue
            elif ch == "\n" and len(quote) == 1:
                quote = None  # unterminated single-line string: it ends with the line
            in_str[i] = quote is not None
        elif ch == "#":
            comment = True
            in_com[i] = 1
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            n = len(quote)
            in_str[i: i + n] = 1
            depth[i: i + n] = level
            i += n
            continue
        elif ch in "([{":
            level += 1
        elif ch in ")]}":
            level = max(level - 1, 0)  # a stray closer (e.g. a window starting mid-expression) stays at 0
        depth[i] = level
        i += 1
    return depth, in_str, in_com


def _lines(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indentation, column, chars_left), each (T,). A newline belongs to the line it ends."""
    T = len(text)
    indent = np.zeros(T, dtype=np.int64)
    column = np.zeros(T, dtype=np.int64)
    left = np.zeros(T, dtype=np.int64)
    start = 0
    for line in text.split("\n"):
        n = len(line)
        stripped = line.lstrip(" \t")
        lead = line[: n - len(stripped)]
        width = len(lead.expandtabs(8))  # a tab moves to the next multiple of 8, as Python's tokenizer does
        end = min(start + n + 1, T)  # +1: the newline, if there is one
        indent[start:end] = width
        column[start:end] = np.arange(end - start)
        left[start:start + n] = np.arange(n - 1, -1, -1)  # characters after this one before the line ends
        start = end
    return indent, column, left


def text_features(text: str) -> Features:
    """All built-in features of `text`, (F, T) in the order of FEATURES."""
    depth, in_str, in_com = _scan(text)
    indent, column, left = _lines(text)
    values = np.stack([depth, in_str, in_com, indent, column, left]).astype(np.float64)  # (F, T)
    return Features(names=FEATURES, values=values)


_MATCHER = r"""
import json, re, sys
req = json.loads(sys.stdin.read())
spans = []
for m in re.finditer(req["pattern"], req["text"]):
    if m.end() > m.start():
        spans.append([m.start(), m.end()])
sys.stdout.write(json.dumps(spans))
"""


def check_pattern(pattern: str) -> re.Pattern:
    """Compile a user pattern or raise ValueError with a message a person can act on."""
    if not pattern:
        raise ValueError("The pattern is empty.")
    if len(pattern) > MAX_PATTERN_LEN:
        raise ValueError(f"The pattern has {len(pattern)} characters; at most {MAX_PATTERN_LEN} are allowed.")
    try:
        return re.compile(pattern)
    except re.error as e:
        where = f" at position {e.pos}" if e.pos is not None else ""
        raise ValueError(f"Not a valid regular expression: {e.msg}{where}.") from None
    except (OverflowError, RecursionError, ValueError) as e:
        raise ValueError(f"Not a usable regular expression: {e}.") from None


def regex_feature(text: str, pattern: str, timeout: float = REGEX_TIMEOUT) -> np.ndarray:
    """(T,) float64: 1 on characters inside a (non-empty) match of `pattern`, else 0.

    Raises ValueError for an invalid or too long pattern, and for one that runs longer than `timeout`.
    """
    check_pattern(pattern)
    payload = json.dumps({"pattern": pattern, "text": text})
    try:
        # -I: isolated (no site, no user paths, no environment); the child can only run the matcher
        out = subprocess.run([sys.executable, "-I", "-S", "-c", _MATCHER], input=payload, capture_output=True,
                             text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ValueError(f"The pattern ran longer than {timeout:g} s on this text and was stopped (nested "
                         f"repetition such as (a+)+ can backtrack exponentially). Try a simpler pattern.") from None
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise ValueError(f"The pattern could not be matched: {last}")
    feature = np.zeros(len(text), dtype=np.float64)
    for s, e in json.loads(out.stdout):
        feature[s:e] = 1.0
    return feature
