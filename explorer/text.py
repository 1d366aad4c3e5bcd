"""Characters in, token ids out: the vocabulary, the input cap and labels that show every character.

A "character" is one Unicode code point (what Python iterates), so an emoji or a combining accent is
a step of its own and is shown as such, never dropped or merged.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import torch
from explorer.limits import MAX_TEXT_CHARS

__all__ = ["UNK", "MAX_TEXT_CHARS", "Vocab", "PreparedText", "prepare_text", "char_label", "signed", "power_of_ten"]

UNK = "\ufffd"  # the unknown token: any character outside a model's vocabulary

_VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍", UNK: "⟨unk⟩"}


def signed(v: float, fmt: str = "+.2f") -> str:
    """A number with its sign typeset: "−0.87" (a minus sign, as beside "−1" on the same page), "+0.87"."""
    return format(v, fmt).replace("-", "−")


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_of_ten(log10: float) -> str:
    """10 to a whole power, typeset in plain text: power_of_ten(57.2) == "10⁵⁷" (as the charts' log axes write it)."""
    return "10" + f"{round(log10):d}".translate(_SUPERSCRIPT)


def char_label(ch: str) -> str:
    """A printable, unambiguous label for one character (tick labels, hover text, tables).

    Spaces, newlines and other control or invisible characters get a visible symbol; a lone combining
    mark is put on a dotted circle; bidi overrides and the like are named, so they cannot reorder the
    text around them.
    """
    if ch in _VISIBLE:
        return _VISIBLE[ch]
    cat = unicodedata.category(ch)
    if cat == "Cc":
        return f"U+{ord(ch):04X}"
    if cat in ("Cf", "Cs", "Co", "Cn", "Zl", "Zp") or (cat == "Zs" and ch != " "):
        return f"U+{ord(ch):04X}"
    if cat.startswith("M"):
        return "◌" + ch
    return ch


@dataclass(frozen=True)
class Vocab:
    """An ordered character vocabulary; id 0 is always the unknown token UNK."""

    chars: tuple[str, ...]

    @classmethod
    def from_text(cls, text: str) -> "Vocab":
        """UNK followed by the distinct characters of `text` in sorted order (deterministic)."""
        return cls((UNK,) + tuple(sorted(set(text) - {UNK})))

    @classmethod
    def printable(cls) -> "Vocab":
        """UNK, tab, newline and the 95 printable ASCII characters: the input of untrained models.

        Fixed, so an untrained model's weights depend only on its seed, not on the text typed; any
        other character (an emoji, an accent) is read as UNK and shown as ⟨unk⟩.
        """
        return cls((UNK, "\t", "\n") + tuple(chr(c) for c in range(32, 127)))

    def __post_init__(self):
        if not self.chars or self.chars[0] != UNK:
            raise ValueError("a Vocab must start with the unknown token UNK")
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("a Vocab must not repeat characters")

    @property
    def size(self) -> int:
        return len(self.chars)

    def index(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.chars)}

    def encode(self, text: str) -> torch.Tensor:
        """(T,) int64 token ids; characters outside the vocabulary become 0 (UNK)."""
        idx = self.index()
        return torch.tensor([idx.get(ch, 0) for ch in text], dtype=torch.long)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of `text` this vocabulary does not know, in order of appearance."""
        known = set(self.chars)
        return list(dict.fromkeys(ch for ch in text if ch not in known))


@dataclass(frozen=True)
class PreparedText:
    """Text ready to trace, with what was done to it, for the page to say."""

    text: str  # what will be traced (at most `cap` characters)
    original_length: int
    cap: int

    @property
    def truncated(self) -> bool:
        return self.original_length > self.cap

    @property
    def notice(self) -> str | None:
        if self.truncated:
            return (f"The text has {self.original_length:,} characters; only the first {self.cap:,} are used "
                    f"(the cap keeps every view responsive).")
        return None


def prepare_text(text: str | None, cap: int = MAX_TEXT_CHARS) -> PreparedText:
    """Validate and cap user text. Raises ValueError with a readable message for empty input."""
    if text is None or text == "":
        raise ValueError("The text is empty: type at least one character.")
    if not isinstance(text, str):
        raise ValueError(f"Expected text, got {type(text).__name__}.")
    # lone surrogates (possible from a URL or a notebook) cannot be encoded for display: make them UNK
    text = "".join(UNK if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return PreparedText(text=text[:cap], original_length=len(text), cap=cap)
