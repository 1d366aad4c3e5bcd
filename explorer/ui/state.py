"""A page's scene config: kept per session outside widget state, written to the URL, reopened from it.

A page declares its parameters once:

    P = PageState("ce", [Param("text", "hello", max_len=MAX_TEXT_CHARS), Param("hidden", 16, lo=1, hi=256)])
    P.restore()                                  # the page's values -> widget keys (from the URL when it is a link)
    st.text_area("Text", key=P.key("text"))     # widgets read and write their value by key
    ...
    P.publish()                                  # widget keys -> the page's values -> the URL (non-defaults only)

Where the values live, and why:
  * The page's values are one dict per page in session state under a key no widget owns
    (`_scene.<page>`). Streamlit deletes a widget's state when a run does not draw it (every page switch)
    and clears the query string on navigation; this dict survives both, so a page comes back as it was left.
  * The URL is read only when it is a link: on the session's first run of the page (a cold link), or when
    the run arrived from another page with a query string (a Home scene, the browser's back button). On a
    rerun of the same page the URL is never read back: the query string a click carries may be older than
    the one the server just wrote, and reading it would undo the click (a dropped cell, a reset cursor).
Bad values from a link are clamped or ignored, and `P.notices()` says which, so the page can show them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import copy

import streamlit as st

from explorer.ui.session import FORCE_LINK, PAGE_CHANGED, page_key

TRUE_WORDS = ("1", "true", "yes", "on")  # how a link may spell a switched-on boolean
FALSE_WORDS = ("0", "false", "no", "off")


def presenting() -> bool:
    """Whether the link this page was opened with asks for presenter mode (`presenter=1`)."""
    return st.query_params.get("presenter", "").lower() in TRUE_WORDS

__all__ = ["Param", "PageState"]


@dataclass(frozen=True)
class Param:
    name: str  # the query-string name
    default: Any  # its type decides the parsing: bool, int, float, str, or a tuple (a comma list; kept as a list)
    choices: tuple | None = None  # allowed values, if a fixed set
    lo: float | None = None  # numeric bounds (clamped)
    hi: float | None = None
    max_len: int | None = None  # strings longer than this are cut (with a notice)
    view_only: bool = False  # how the page shows its scene (a folded section open), not the scene: kept in the link,
    # left out of the scene's config and of a deck scene's title
    label: str | None = None  # the words a person reads for it (a deck scene's title), if the name is not them
    words: dict | None = None  # and for its values, where a value's name is not what the page shows
    over: str | None = None  # what a value above `hi` becomes when the scene sets the real limit below `hi` (e.g.
    # "the model's last unit"): said instead of `hi`, which the page would not show

    def parse(self, raw: str) -> tuple[Any, str | None]:
        """(value, notice): the URL value made valid, and what was done to it (None if nothing)."""
        d = self.default
        try:
            if isinstance(d, bool):
                if raw.lower() not in TRUE_WORDS + FALSE_WORDS:
                    raise ValueError
                value = raw.lower() in TRUE_WORDS
            elif isinstance(d, int):
                value = int(float(raw))
            elif isinstance(d, float):
                value = float(raw)
                if value != value or value in (float("inf"), float("-inf")):
                    raise ValueError
            elif isinstance(d, tuple):
                elem = type(d[0]) if d else str
                value = tuple(elem(v.strip()) for v in raw.split(",") if v.strip() != "")
            else:
                value = raw
        except (ValueError, OverflowError):  # int(float("1e309")) overflows rather than failing to parse
            if isinstance(d, bool):  # a switch: in a student's words, not Python's
                return d, f"'{self.name}' in the link must be 1 or 0 (on or off); using {'on' if d else 'off'}."
            return d, f"'{self.name}' in the link is not valid; using {d!r}."
        if isinstance(d, tuple):
            if self.choices is not None and any(v not in self.choices for v in value):
                kept = tuple(v for v in value if v in self.choices)
                return list(kept or d), (f"'{self.name}' in the link may only list "
                                         f"{', '.join(map(str, self.choices))}; using {', '.join(map(str, kept or d))}.")
            return list(value), None
        if self.choices is not None and value not in self.choices:
            return d, f"'{self.name}' in the link must be one of {', '.join(map(str, self.choices))}; using {d!r}."
        note = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            lo = self.lo if self.lo is not None else value
            hi = self.hi if self.hi is not None else value
            clamped = type(d)(min(max(value, lo), hi))
            if clamped != value and self.over is not None and value > hi:
                note = f"'{self.name}' in the link was {value}, more than this page can show; using {self.over}."
            elif clamped != value and self.over is not None:  # below: the page's upper bound is not this scene's
                note = f"'{self.name}' in the link was {value}, below {self.lo:g}; using {clamped}."
            elif clamped != value:
                note = f"'{self.name}' in the link was {value}, outside {self.lo:g}..{self.hi:g}; using {clamped}."
            value = clamped
        if isinstance(value, str) and self.max_len is not None and len(value) > self.max_len:
            note = f"'{self.name}' in the link had {len(value):,} characters; using the first {self.max_len:,}."
            value = value[: self.max_len]
        return value, note

    def format(self, value: Any) -> str:
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, (tuple, list)):
            return ",".join(str(v) for v in value)
        return str(value)


class PageState:
    """The scene config of one page; widget keys are '<page>.<name>'."""

    def __init__(self, page: str, params: list[Param]):
        self.page = page
        self.params = {p.name: p for p in params}
        self.on_publish = None  # set by explorer.ui.share.scene_tools: draws the link once the URL is final
        self._scene = page_key("scene", page)
        self._seen = page_key("seen", page)
        self._notices = page_key("notices", page)
        self._undrawn = page_key("undrawn", page)
        self._slot = None  # where show_notices put the link's notices (beyond adds to it)
        self._derived: set[str] = set()  # values the page computed this run (an automatic pick): not in the link
        self.from_link = False  # whether this run's values were read from the URL (a cold open, a link followed)

    def key(self, name: str) -> str:
        return f"{self.page}.{name}"

    def defaults(self) -> dict:
        return {n: list(p.default) if isinstance(p.default, tuple) else p.default for n, p in self.params.items()}

    def _from_link(self, query: dict) -> dict:
        values, notices = self.defaults(), []
        for name, p in self.params.items():
            if name in query:
                values[name], note = p.parse(query[name])
                if note:
                    notices.append((name, copy.copy(values[name]), note))
        self._notices.set(notices)
        return values

    def restore(self) -> None:
        """Put the page's values into its widget keys; take them from the URL only when it is a link."""
        query = dict(st.query_params)
        scene = self._scene.get()
        forced = bool(FORCE_LINK.pop(False))  # a presented deck moved to this scene: its link is the scene
        self.from_link = scene is None or forced or bool(PAGE_CHANGED.get(True) and query and query != self._seen.get())
        if self.from_link:
            scene = self._from_link(query)
            for name, value in scene.items():
                st.session_state[self.key(name)] = copy.copy(value)
            self._seen.set(query)
        elif PAGE_CHANGED.get(True):
            # back from another page: the scene is the truth. Streamlit may keep a widget's key through a run
            # that did not draw it and hand back a stale value (seen: a Gradient Lab preset's bias 3 came
            # back as 0), so every widget is set from the scene, never read.
            self._notices.set([])
            for name in self.params:
                st.session_state[self.key(name)] = copy.copy(scene[name])
        else:
            undrawn = self._undrawn.get(frozenset())
            for name in self.params:
                k = self.key(name)
                if k in st.session_state and name not in undrawn:
                    scene[name] = st.session_state[k]  # the widget's latest value
                else:  # a widget Streamlit dropped, or one the last run did not draw: the scene's value
                    st.session_state[k] = copy.copy(scene[name])
        self._undrawn.set(frozenset())
        self._scene.set(scene)

    def not_drawn(self, *names: str) -> None:
        """Say that this run draws no widget for `names` (their section is folded): the next run takes their
        values from the scene. A widget's key that a run did not draw can come back with a stale value (seen in
        Chromium: a what-if picked in its box came back as 'none' once its section was folded and another
        control changed)."""
        self._undrawn.set(self._undrawn.get(frozenset()) | frozenset(names))

    def reset(self) -> None:
        """Every value back to its default (a button's on_click: it runs before the page draws)."""
        scene = self.defaults()
        for name, value in scene.items():
            st.session_state[self.key(name)] = copy.copy(value)
        self._scene.set(scene)
        self._notices.set([])

    def notices(self) -> list[str]:
        """What the link's bad values became, each said while its value is still the one the link gave (a
        text cut to the cap, then replaced by the reader, is no longer news)."""
        return [note for name, value, note in self._notices.get([]) if self.get(name) == value]

    def show_notices(self) -> None:
        """The link's notices, in a box that `beyond` can add to later in the run."""
        self._slot = st.container()
        for n in self.notices():
            self._slot.warning(n, icon="🔗")

    def beyond(self, name: str, used: Any, what: str) -> None:
        """A link's value within the page's bounds but past what the scene could show (step 1,900 of a text of
        1,800): the scene used `used`; say so where the link's notices are, and keep `used` as the value."""
        value = self.get(name)
        if not self.from_link or value == used:
            return
        self.set(name, used)
        notices = self._notices.get([])
        if any(n == name for n, _, _ in notices):  # already said (a value above the page's bound): kept in view
            self._notices.set([(n, copy.copy(used) if n == name else v, note) for n, v, note in notices])
            return
        note = f"'{name}' in the link was {value:,}, past {what}; using {used:,}."
        self._notices.set([*notices, (name, copy.copy(used), note)])
        (self._slot or st).warning(note, icon="🔗")

    def get(self, name: str) -> Any:
        if self.key(name) in st.session_state:
            return st.session_state[self.key(name)]
        return (self._scene.get() or self.defaults())[name]

    def set(self, name: str, value: Any) -> None:
        """Change a value that no widget of this run has drawn yet (e.g. the cursor the browser reported)."""
        st.session_state[self.key(name)] = value
        (self._scene.get() or {})[name] = value

    def derived(self, name: str) -> None:
        """Say that the page computed `name` this run from the others (Unit Finder's best unit while Auto is on):
        the link leaves it out, so it is computed again where the link is opened."""
        self._derived.add(name)

    def values(self) -> dict:
        return {name: self.get(name) for name in self.params}

    def query(self) -> dict:
        """The non-default values as query-string text (what a link to this scene holds)."""
        q = {}
        for name, p in self.params.items():
            if name in self._derived:
                continue
            value = self.get(name)
            if isinstance(value, list):
                value = tuple(value)
            if value != p.default:
                text = p.format(value)
                q[name] = text[: p.max_len] if p.max_len is not None else text
        return q

    def publish(self) -> None:
        """Store the current values as the page's scene and write them to the URL (defaults left out)."""
        self._scene.set(self.values())
        wanted = self.query()
        if dict(st.query_params) != wanted:
            st.query_params.from_dict(wanted)
        self._seen.set(wanted)
        if self.on_publish is not None:
            self.on_publish()

    def link(self, base_path: str) -> str:
        """A relative link to this page in its current state (for 'copy link' and decks)."""
        from urllib.parse import urlencode

        q = self.query()
        return base_path + ("?" + urlencode(q) if q else "")
