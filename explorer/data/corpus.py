"""The two corpora the shipped models learn from; both exist on every machine, with no download.

1. `stdlib`: Python's own standard-library source, from `sysconfig.get_paths()["stdlib"]`, a fixed list
   of files (STDLIB_TRAIN_FILES, STDLIB_HELDOUT_FILES) read in that order and joined with a blank line.
   Its SHA-256 goes into every manifest, so a different Python version shows up as a different hash
   instead of as silently different numbers. Characters outside printable ASCII (plus newline and tab)
   become the unknown token UNK: a handful of author names and doc examples, nothing structural.
2. `synthetic`: a seeded toy language with exact ground truth — nested (), [] and {} over up to
   MAX_DEPTH levels, some of them broken across lines, double-quoted strings with escaped quotes and
   brackets inside, `#` comments with brackets inside, and lines of varying length. The generator knows
   the true bracket depth of every character and returns it next to the text.

The held-out slice is text the model never trains on: whole held-out files for `stdlib`, a second
stream generated from a different seed for `synthetic`.
"""
from __future__ import annotations

import hashlib
import random
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.text import UNK, Vocab

__all__ = ["CORPORA", "COUNTER_TEXT", "STDLIB_TRAIN_FILES", "STDLIB_HELDOUT_FILES", "ASCII_VOCAB", "Corpus", "load_corpus",
           "SyntheticText", "synthetic_text", "sha256",
           "PYTHON_SAMPLE", "sample_text"]

CORPORA = ("stdlib", "synthetic")

# Pure-Python modules, present in CPython 3.8+; brackets, strings, comments, docstrings and indentation.
STDLIB_TRAIN_FILES = (
    "argparse.py", "ast.py", "base64.py", "bisect.py", "calendar.py", "configparser.py", "contextlib.py",
    "copy.py", "csv.py", "dataclasses.py", "difflib.py", "enum.py", "fractions.py", "functools.py",
    "heapq.py", "inspect.py", "json/__init__.py", "json/decoder.py", "json/encoder.py", "shlex.py",
    "string.py", "tokenize.py", "typing.py",
)
STDLIB_HELDOUT_FILES = ("textwrap.py", "pprint.py")
HELDOUT_CHARS = 32_000  # the held-out slice: the first 32,000 characters of the held-out text

# UNK, tab, newline and the 95 printable ASCII characters: V = 98
ASCII_VOCAB = Vocab((UNK, "\t", "\n") + tuple(chr(c) for c in range(32, 127)))

MAX_DEPTH = 5  # deepest bracket nesting the synthetic language produces


# The Unit Finder's default text: written for this app (not in any training file), dense in nested
# brackets, with a few brackets inside strings and comments (which must not count).
PYTHON_SAMPLE = '''def summarize(rows, keys=("name", "size"), limit=10):
    """Group rows by key and return the largest (at most `limit`) groups."""
    groups = {}
    for row in rows:
        key = tuple(row.get(k, "") for k in keys)  # a tuple of (k, v) pairs
        groups.setdefault(key, []).append(dict(row, seen=len(groups.get(key, []))))
    best = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:limit]
    return [(k, [r["size"] for r in v if r.get("size") is not None]) for k, v in best]


class Table(object):
    def __init__(self, columns, rows=None):
        self.columns = list(columns)
        self.rows = [list(r) for r in (rows or [])]

    def __repr__(self):
        return "Table(%r, rows=%d)" % (self.columns, len(self.rows))

    def column(self, name):
        i = self.columns.index(name)
        return [row[i] for row in self.rows if len(row) > i]

    def to_dict(self):
        # {"col": [values...]} for every column
        return {c: self.column(c) for c in self.columns}


if __name__ == "__main__":
    t = Table(["a", "b"], [(1, 2), (3, max(4, min(5, abs(-6))))])
    print(summarize([{"name": "x", "size": 3}, {"name": "y)", "size": None}], limit=(2)))
'''


# nested calls on which the shipped LSTM's unit 123 counts brackets, -1 per "(" and +1 per ")" (Home's scene
# opens it at t = 24, the fourth "(", the counter's deepest point; tests/test_shipped.py holds the model to it)
COUNTER_TEXT = "print(max(1, min(2, abs(3))))"


def sample_text(corpus: str) -> str:
    """A default text in the style of `corpus`: PYTHON_SAMPLE, or a fixed stretch of the toy language."""
    if corpus == "synthetic":
        return synthetic_text(seed=2024, n_chars=1200).text
    return PYTHON_SAMPLE


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Corpus:
    """A training text and its held-out slice, both already mapped into `vocab`."""

    name: str  # "stdlib" or "synthetic"
    train: str
    heldout: str  # never trained on; HELDOUT_CHARS characters
    vocab: Vocab
    files: tuple[str, ...]  # what it was built from (file names, or the generator's seeds)
    sha256: str  # hash of train + heldout, recorded in each manifest

    def describe(self) -> dict:
        return {"corpus": self.name, "files": list(self.files), "sha256": self.sha256,
                "train_chars": len(self.train), "heldout_chars": len(self.heldout)}


def _to_vocab(text: str, vocab: Vocab) -> str:
    known = set(vocab.chars)
    return "".join(ch if ch in known else UNK for ch in text)


def _read_stdlib(files: tuple[str, ...], root: Path) -> str:
    parts = []
    for name in files:
        path = root / name
        if not path.is_file():
            raise FileNotFoundError(f"the stdlib corpus needs {path}, which this Python does not have")
        parts.append(path.read_text(encoding="utf-8").replace("\r\n", "\n"))
    return "\n\n".join(parts)


def load_corpus(name: str, *, seed: int = 0) -> Corpus:
    """Build corpus `name` ("stdlib" or "synthetic") deterministically. `seed` only affects "synthetic"."""
    if name == "stdlib":
        root = Path(sysconfig.get_paths()["stdlib"])
        train = _to_vocab(_read_stdlib(STDLIB_TRAIN_FILES, root), ASCII_VOCAB)
        heldout = _to_vocab(_read_stdlib(STDLIB_HELDOUT_FILES, root), ASCII_VOCAB)[:HELDOUT_CHARS]
        files = STDLIB_TRAIN_FILES + tuple(f"heldout:{f}" for f in STDLIB_HELDOUT_FILES)
    elif name == "synthetic":
        train = synthetic_text(seed, 600_000).text
        heldout = synthetic_text(seed + 1_000_003, HELDOUT_CHARS).text
        files = (f"synthetic(seed={seed}, chars=600000)", f"heldout:synthetic(seed={seed + 1_000_003})")
    else:
        raise ValueError(f"corpus must be one of {CORPORA}, got {name!r}")
    return Corpus(name=name, train=train, heldout=heldout, vocab=ASCII_VOCAB, files=files,
                  sha256=sha256(train + "\0" + heldout))


# ------------------------------------------------------------------------------ synthetic language
@dataclass(frozen=True)
class SyntheticText:
    text: str
    depth: np.ndarray  # (T,) int: bracket depth after reading each character (strings/comments excluded)


_WORDS = ("x", "y", "foo", "bar", "val", "n", "item", "data", "key", "k2", "total", "f", "g", "sum", "max")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_STR_CHARS = "abcdefgh xyz()[]{}#,:'\\\""  # brackets and '#' inside strings must not count


class _Writer:
    """Appends text while recording the true depth after every character."""

    def __init__(self):
        self.chars: list[str] = []
        self.depth: list[int] = []
        self.level = 0

    def raw(self, s: str) -> None:  # text whose characters do not change the depth
        self.chars.extend(s)
        self.depth.extend([self.level] * len(s))

    def open(self, ch: str) -> None:
        self.level += 1
        self.raw(ch)

    def close(self, ch: str) -> None:
        self.level -= 1
        self.raw(ch)


def _string(rng: random.Random, w: _Writer) -> None:
    body = []
    for _ in range(rng.randint(0, 10)):
        ch = rng.choice(_STR_CHARS)
        body.append("\\" + ch if ch in "\\\"" else ch)  # escape quotes and backslashes
    w.raw('"' + "".join(body) + '"')


def _expr(rng: random.Random, w: _Writer, depth: int, indent: int) -> None:
    r = rng.random()
    if depth >= MAX_DEPTH or r < 0.35:
        if rng.random() < 0.25:
            _string(rng, w)
        else:
            w.raw(rng.choice(_WORDS) if rng.random() < 0.7 else str(rng.randint(0, 999)))
        return
    if r < 0.55:
        w.raw(rng.choice(_WORDS))  # a call: name(...)
        opener = "("
    else:
        opener = rng.choice("([{")
    w.open(opener)
    multiline = rng.random() < 0.15
    for j in range(rng.randint(0, 4)):
        if j:
            w.raw(",")
            if multiline:
                w.raw("\n" + " " * (indent + 4 * (depth + 1)))
            else:
                w.raw(" ")
        if opener == "{":
            _string(rng, w)
            w.raw(": ")
        _expr(rng, w, depth + 1, indent)
    w.close(_OPEN[opener])


def synthetic_text(seed: int, n_chars: int) -> SyntheticText:
    """At least `n_chars` characters of the toy language (cut to exactly n_chars) and their true depths.

    Each line is `name = expr`, `name(expr, ...)` or `# comment`; indentation is 0, 4 or 8 spaces.
    The cut may fall inside a bracket, as a window of any real text would.
    """
    rng = random.Random(seed)
    w = _Writer()
    while len(w.chars) < n_chars:
        indent = rng.choice((0, 0, 4, 4, 8))
        w.raw(" " * indent)
        kind = rng.random()
        if kind < 0.12:
            w.raw("# " + "".join(rng.choice("abc de(f)g [x] {y}") for _ in range(rng.randint(3, 30))))
        else:
            if kind < 0.6:
                w.raw(rng.choice(_WORDS) + " = ")
            _expr(rng, w, 0, indent)
        w.raw("\n")
    return SyntheticText(text="".join(w.chars[:n_chars]), depth=np.array(w.depth[:n_chars], dtype=np.int64))
