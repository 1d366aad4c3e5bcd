"""Every view's state in the URL: a scene opens cold, from its link, exactly as it was left.

A page declares its parameters once:

    P = PageState("ce", [Param("text", "hello", max_len=MAX_TEXT_CHARS), Param("arch", "lstm", choices=("lstm", "gru", "rnn")),
                         Param("hidden", 16, lo=1, hi=256)])
    P.restore()                                  # URL -> st.session_state, validated, once per session and page
    st.text_area("Text", key=P.key("text"))     # widgets read their value from session_state by key
    ...
    P.publish()                                  # session_state -> URL (only values that differ from defaults)

Bad values from a URL are clamped or ignored, and `P.notices()` says which, so the page can show them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

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
            if clamped != value:
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
    """The URL-backed parameters of one page; widget keys are '<page>.<name>'."""

    def __init__(self, page: str, params: list[Param]):
        self.page = page
        self.params = {p.name: p for p in params}
        self.on_publish = None  # set by explorer.ui.share.scene_tools: draws the link once the URL is final

    def key(self, name: str) -> str:
        return f"{self.page}.{name}"

    def restore(self) -> None:
        """Seed session_state from the URL when the page opens and whenever its query string changes
        from the outside (a preset link, the browser's back button); the page's own publish() does not count."""
        seen = f"_seen.{self.page}"
        current = dict(st.query_params)
        if st.session_state.get(seen) != current:
            notices: list[str] = []
            for name, p in self.params.items():
                if name in current:
                    value, note = p.parse(current[name])
                    if note:
                        notices.append(note)
                else:
                    value = list(p.default) if isinstance(p.default, tuple) else p.default
                st.session_state[self.key(name)] = value
            st.session_state[seen] = current
            st.session_state[f"_notices.{self.page}"] = notices
        for name, p in self.params.items():  # a widget removed from the page drops its key: put it back
            st.session_state.setdefault(self.key(name), list(p.default) if isinstance(p.default, tuple) else p.default)

    def notices(self) -> list[str]:
        return st.session_state.get(f"_notices.{self.page}", [])

    def show_notices(self) -> None:
        for n in self.notices():
            st.warning(n, icon="🔗")

    def get(self, name: str) -> Any:
        return st.session_state.get(self.key(name), self.params[name].default)

    def publish(self) -> None:
        """Write the current values to the URL; defaults are left out to keep links short."""
        wanted = {}
        for name, p in self.params.items():
            value = st.session_state.get(self.key(name), p.default)
            if isinstance(value, list):
                value = tuple(value)
            if value != p.default:
                text = p.format(value)
                wanted[name] = text[: p.max_len] if p.max_len is not None else text
        if dict(st.query_params) != wanted:
            st.query_params.from_dict(wanted)
        st.session_state[f"_seen.{self.page}"] = wanted
        if self.on_publish is not None:
            self.on_publish()

    def link(self, base_path: str) -> str:
        """A relative link to this page in its current state (for 'copy link' and presets)."""
        from urllib.parse import urlencode

        def norm(v):
            return tuple(v) if isinstance(v, list) else v

        q = {n: p.format(st.session_state.get(self.key(n), p.default)) for n, p in self.params.items()
             if norm(st.session_state.get(self.key(n), p.default)) != p.default}
        return base_path + ("?" + urlencode(q) if q else "")
