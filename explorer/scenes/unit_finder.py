"""The Unit Finder's decisions, computed without Streamlit: the span actually used, why a feature says
nothing, and what to try when a selection finds no unit."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.data.features import FEATURE_LABELS
from explorer.units import TextAnalysis
from explorer.text import signed

__all__ = ["DEFAULT_SPAN", "STRONG_R", "Span", "clamp_span", "feature_warning", "found_headline", "threshold_hint"]

# a span of corpus.PYTHON_SAMPLE (the closing brackets of a nested call, ')))])\n') over which three units
# of the shipped LSTM keep h >= 0.3; tests/test_page_unit_finder.py holds the default to finding them
DEFAULT_SPAN = (1089, 1097)
STRONG_R = 0.5  # |r| from which the headline says a unit "tracks" a feature; below it, "only weakly"


@dataclass(frozen=True)
class Span:
    start: int  # 0-based, inclusive
    end: int  # exclusive
    changed: bool  # the requested span was not usable as given and was moved
    why: str = ""  # what was wrong with it, said to the reader


def clamp_span(T: int, start: int, end: int) -> Span:
    """The span [start, end) made to fit a text of T characters (at least one character long)."""
    s = min(max(int(start), 0), T - 1)
    e = max(min(int(end), T), s + 1)
    why = (f"its end ({int(end)}) was not after its start ({int(start)})" if int(end) <= int(start) else
           f"it did not fit this text of {T:,} characters")
    return Span(s, e, (s, e) != (int(start), int(end)), why)


def feature_warning(A: TextAnalysis, feature: str) -> str | None:
    """Why a feature's correlations say nothing on this text, or None when they can."""
    values = A.features[feature]
    label = FEATURE_LABELS[feature]
    if np.unique(values).size < 2:
        what = "your regex matches nothing in this text" if feature == "regex" and values.max() == 0 else \
            "your regex matches the whole text" if feature == "regex" else f"{label} never changes in this text"
        return f"{what[0].upper()}{what[1:]}: a constant has no correlation with any unit, so no unit can be found."
    _, r_tr = A.ranking.best(feature)
    _, r_un = A.ranking_untrained.best(feature)
    if abs(r_un) > 0.95:
        return (f"Degenerate here: the untrained model matches {label} too (best |r| = {abs(r_un):.2f}, trained "
                f"{abs(r_tr):.2f}). On this text the feature follows the position almost exactly (one line, or few "
                "characters), and any slowly drifting unit correlates with it: this is not evidence of learning. "
                "Try a longer text with several lines.")
    return None


def found_headline(A: TextAnalysis, feature: str, signal_label: str) -> tuple[bool, str] | None:
    """The page's headline for the chosen feature: (strong, text) naming its best unit, how strongly (|r| >= STRONG_R)
    and against the untrained model's best; None when the feature says nothing on this text (feature_warning says why)."""
    if feature_warning(A, feature):
        return None
    unit, r = A.ranking.best(feature)
    _, r_untrained = A.ranking_untrained.best(feature)
    label = FEATURE_LABELS[feature]
    strong = abs(r) >= STRONG_R
    tracks = f"tracks “{label}”" if strong else f"follows “{label}” best of all units, but only weakly"
    a, b = round(abs(r), 2), round(abs(r_untrained), 2)  # compared as printed: "0.42 … only 0.42" never shows
    versus = (f"The best unit of the untrained model reaches only |r| = {b:.2f}." if b < a else
              f"The best unit of the untrained model reaches |r| = {b:.2f} as well: on this text, that is not "
              "evidence of learning." if b == a else
              f"The best unit of the untrained model reaches more, |r| = {b:.2f}: on this text, this unit is not "
              "evidence of learning.")
    return strong, (f"Found automatically: unit **{unit}** of the {signal_label} {tracks}, r = **{signed(r)}** on this "
                    f"text (Pearson r: +1 rises and falls with the feature, −1 mirrors it, 0 unrelated). {versus}")


def threshold_hint(h: np.ndarray, span: Span) -> tuple[float, int, float]:
    """The highest threshold some unit's h holds over the whole span, that unit, and the highest threshold of
    two decimals (the box's step) that unit still holds."""
    lows = h[span.start:span.end].min(axis=0)  # (H,) each unit's lowest h over the span
    j = int(lows.argmax())
    best = float(lows[j])
    usable = round(best, 2)
    if usable > best:  # rounded up: one step down (floor(best * 100) would drop 0.29 to 0.28, 0.29 * 100 < 29)
        usable = round(usable - 0.01, 2)
    return best, j, usable + 0.0  # + 0.0: never a "-0.00"
