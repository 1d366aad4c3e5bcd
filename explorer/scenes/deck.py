"""Decks: an instructor's own sequence of scenes, carried in one URL (no server storage) or a small JSON file.

A deck is a title and a list of scenes; a scene is a title, a note and a link to a page of this app with
its query string. Decoding never trusts its input: a deck that is not JSON, too long, or whose scenes
point outside the app gives a message per problem, keeps every valid scene, and is only ever shown as
text. Imports nothing heavy (Home builds its links from here before torch is loaded).
"""
from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["PAGE_PATHS", "MAX_SCENES", "Scene", "Deck", "encode", "decode", "from_json", "to_json",
           "DEFAULT_DECK", "COUNTER_TEXT"]

PAGE_PATHS = {"": "pages/home.py", "cell-explorer": "pages/cell-explorer.py", "gradient-lab": "pages/gradient-lab.py",
              "train": "pages/train.py", "memory-race": "pages/memory-race.py", "unit-finder": "pages/unit-finder.py",
              "lesson": "pages/lesson.py", "your-model": "pages/your-model.py"}
MAX_SCENES = 50  # a deck longer than this is cut, with a notice
MAX_TITLE, MAX_NOTE, MAX_LINK = 120, 600, 4000  # characters
MAX_ENCODED = 60_000  # characters of an encoded deck in a URL or a file

# explorer.data.corpus.COUNTER_TEXT, written out so that Home needs no torch (a test checks the two agree)
COUNTER_TEXT = "print(max(1, min(2, abs(3))))"


@dataclass(frozen=True)
class Scene:
    title: str
    link: str  # "cell-explorer?text=hello" — a page of this app and its query string
    note: str = ""

    @property
    def path(self) -> str:
        return urlsplit(self.link).path.strip("/")

    @property
    def page(self) -> str:
        return PAGE_PATHS[self.path]

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.link).query))


@dataclass(frozen=True)
class Deck:
    title: str
    scenes: tuple[Scene, ...]
    problems: tuple[str, ...] = field(default_factory=tuple)  # what was wrong with the input, per scene


def _scene(raw, k: int) -> tuple[Scene | None, str | None]:
    if not isinstance(raw, dict):
        return None, f"scene {k}: not a scene (expected an object with a title and a link)"
    title, link, note = raw.get("title", ""), raw.get("link", ""), raw.get("note", "")
    if not all(isinstance(v, str) for v in (title, link, note)):
        return None, f"scene {k}: title, link and note must be text"
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or len(link) > MAX_LINK:
        return None, f"scene {k}: the link must be a page of this app (like 'cell-explorer?text=hello')"
    if parts.path.strip("/") not in PAGE_PATHS:
        return None, f"scene {k}: no page '{parts.path.strip('/')[:40]}' in this app"
    if parts.path.strip("/") == "lesson" and "deck" in dict(parse_qsl(parts.query)):
        return None, f"scene {k}: a deck cannot hold another deck (a lesson step can be a scene)"
    return Scene(title[:MAX_TITLE].strip() or f"Scene {k}", link, note[:MAX_NOTE]), None


def from_json(text: str) -> Deck:
    """A deck from its JSON text; never raises on bad input, it says what was wrong instead."""
    if len(text) > MAX_ENCODED:
        return Deck("", (), (f"the deck is {len(text):,} characters, over the {MAX_ENCODED:,} allowed",))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        return Deck("", (), (f"the deck is not valid JSON ({str(err)[:80]})",))
    if not isinstance(data, dict) or not isinstance(data.get("scenes"), list):
        return Deck("", (), ("the deck must be an object with a list of scenes",))
    raw_scenes = data["scenes"]
    problems = []
    if len(raw_scenes) > MAX_SCENES:
        problems.append(f"the deck has {len(raw_scenes):,} scenes; only the first {MAX_SCENES} are kept")
        raw_scenes = raw_scenes[:MAX_SCENES]
    scenes = []
    for k, raw in enumerate(raw_scenes, start=1):
        scene, problem = _scene(raw, k)
        if scene is not None:
            scenes.append(scene)
        if problem:
            problems.append(problem)
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    return Deck(title[:MAX_TITLE], tuple(scenes), tuple(problems))


def to_json(deck: Deck) -> str:
    return json.dumps({"title": deck.title, "scenes": [{"title": s.title, "link": s.link, "note": s.note}
                                                      for s in deck.scenes]}, ensure_ascii=False, indent=1)


def encode(deck: Deck) -> str:
    """The deck as one URL-safe string (compressed JSON): `/lesson?deck=...` opens it on any machine."""
    raw = json.dumps({"title": deck.title, "scenes": [{"title": s.title, "link": s.link, "note": s.note}
                                                     for s in deck.scenes]}, ensure_ascii=False)
    return base64.urlsafe_b64encode(zlib.compress(raw.encode("utf-8"), 9)).decode("ascii").rstrip("=")


def decode(token: str) -> Deck:
    """A deck from `encode`'s string, or from the name 'default'; bad input gives a Deck with problems."""
    if token == "default":
        return DEFAULT_DECK
    if len(token) > MAX_ENCODED:
        return Deck("", (), (f"the deck link is {len(token):,} characters, over the {MAX_ENCODED:,} allowed",))
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        d = zlib.decompressobj()
        text = d.decompress(packed, MAX_ENCODED * 4).decode("utf-8")  # a bound on what a bomb could unpack to
        if d.unconsumed_tail:
            return Deck("", (), ("the deck link unpacks to more than is allowed",))
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
        return Deck("", (), ("the deck link is damaged (it is not an encoded deck)",))
    return from_json(text)


# The nine prepared scenes of Home, as a deck: Home draws its gallery from this, /lesson?deck=default presents it
_HOME = [  # (title, page path, query, note)
    ("hello, step by step", "cell-explorer", {"text": "hello", "src": "hello"},
     "The note's example: an LSTM trained on “hello” reads h, e, l, l and predicts e, l, l, o. Press → to step; "
     "every gate and state moves together."),
    ("The forget gate at 1 freezes the memory", "cell-explorer",
     {"text": "hello, world", "whatif": "freeze", "cfrom": "4", "t": "7"},
     "Clamp f = 1 and i = 0 from step 4: the cell state cₜ stops changing, next to the original run."),
    ("LSTM, GRU and RNN side by side", "cell-explorer", {"text": "hello", "cells": "lstm,gru,rnn"},
     "One input, one cursor, three cells of matched parameter count, trained on the same Python source."),
    ("At default init, every cell forgets fast", "gradient-lab", {"cells": "untrained"},
     "At PyTorch's default init the LSTM and GRU lose the gradient almost as fast as a plain RNN, measured on "
     "your text."),
    ("Forget bias 3 reaches far back", "gradient-lab", {"cells": "untrained", "fbias": "3.0", "zbias": "3.0"},
     "Push the LSTM's forget gate to f ≈ 0.95 and the gradient survives: the additive cell update at work."),
    ("Train on 'hello' in a second", "train", {"text": "hello"},
     "Feed h, get e, feed e back in. hel → l but hell → o: that needs memory."),
    ("The first-symbol race", "memory-race", {"task": "first_symbol", "T": "50"},
     "Remember the first symbol over 50 steps: the LSTM with forget bias 3 wins; the RNN stays at chance."),
    ("A unit that counts brackets", "unit-finder", {},
     "A model trained on Python source: find the unit that tracks bracket depth, against an untrained one."),
    ("The bracket counter, step by step", "cell-explorer", {"text": COUNTER_TEXT, "unit": "123", "t": "24"},
     "Unit 123 of that LSTM adds about −1 to its cell state at every “(” and +1 at every “)”: step through "
     "nested calls and watch it count."),
]
DEFAULT_DECK = Deck("Prepared scenes", tuple(Scene(title, path + ("?" + urlencode(q) if q else ""), note)
                                             for title, path, q, note in _HOME))
