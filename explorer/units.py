"""Which units learned what: correlation rankings, gate saturation and LSTMVis-style selection.

- Ranking (Karpathy, Johnson & Fei-Fei 2015): Pearson r between every unit's activation over a text and
  every ground-truth feature of that text (explorer.data.features). Always compute it for the untrained
  model too: with hundreds of units, some correlate ~0.5 with a feature by chance or by trivially
  echoing the input, and only the gap to the untrained column is evidence of learning.
- Saturation (same paper, section 4.2): for each unit, the fraction of steps its gate is < 0.1
  ("left-saturated") and > 0.9 ("right-saturated"). Forget gates near 1 most of the time are the
  integrators that carry information over long distances.
- Selection (LSTMVis, Strobelt et al. 2017): brush a span, keep the units at or above a threshold over
  the whole span, then find other spans where those units are on together.

Activations are arrays (T, H), taken from a Trace by `signal(trace, name)`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.cells import SPECS
from explorer.data.features import Features, regex_feature, text_features
from explorer.model import CharModel, TextTrace
from explorer.trace import Trace

__all__ = ["SIGNALS", "SIGNAL_LABELS", "signal", "pearson", "Ranking", "rank_units", "Saturation",
           "gate_saturation", "CARRY_GATE", "select_units", "Match", "find_matches",
           "TextAnalysis", "analyse_text", "analyse_traces", "HeldOut", "held_out", "held_out_of"]

# what a unit's "activation" can mean, per architecture; the first is the default
SIGNALS = {"lstm": ("c", "h", "f", "i", "o", "g"), "gru": ("h", "z", "r", "n"), "rnn": ("h",)}
SIGNAL_LABELS = {"c": "cell state c", "h": "hidden state h", "f": "forget gate f", "i": "input gate i",
                 "o": "output gate o", "g": "candidate g", "z": "update gate z (keep)", "r": "reset gate r",
                 "n": "candidate n"}
CARRY_GATE = {a: s.carry_gate for a, s in SPECS.items() if s.carry_gate}  # how much of the old state is kept


def signal(trace: Trace, name: str) -> np.ndarray:
    """(T, H) float64 activations of one kind from a trace: 'h', 'c' (LSTM) or a gate name."""
    if name == "h":
        x = trace.h
    elif name == "c" and trace.c is not None:
        x = trace.c
    elif name in trace.gates:
        x = trace.gates[name]
    else:
        raise ValueError(f"signal must be one of {SIGNALS[trace.arch]} for a {trace.arch.upper()}, got {name!r}")
    return x.detach().double().numpy()


def pearson(acts: np.ndarray, feats: np.ndarray) -> np.ndarray:
    """(F, H) Pearson r between every feature row of feats (F, T) and every unit column of acts (T, H).

    A constant feature or unit has no correlation: its r is 0, not NaN.
    """
    a = acts - acts.mean(axis=0)  # (T, H)
    f = feats - feats.mean(axis=1, keepdims=True)  # (F, T)
    na = np.sqrt((a * a).sum(axis=0))  # (H,)
    nf = np.sqrt((f * f).sum(axis=1))  # (F,)
    cov = f @ a  # (F, H)
    denom = np.outer(nf, na)
    scale = np.abs(acts).max() * np.abs(feats).max() if acts.size and feats.size else 0.0
    ok = denom > 1e-12 * max(scale, 1e-300) * acts.shape[0]  # below that a "variation" is rounding noise
    return np.where(ok, cov / np.where(ok, denom, 1.0), 0.0)


@dataclass(frozen=True)
class Ranking:
    """Correlation of every unit with every feature: r[k, j] for feature names[k], unit j."""

    names: tuple[str, ...]
    r: np.ndarray  # (F, H)

    def order(self, feature: str) -> np.ndarray:
        """(H,) unit indices by decreasing |r| with `feature`."""
        row = self.r[self.names.index(feature)]
        return np.argsort(-np.abs(row), kind="stable")

    def best(self, feature: str) -> tuple[int, float]:
        """The unit with the largest |r| for `feature`, and its (signed) r."""
        j = int(self.order(feature)[0])
        return j, float(self.r[self.names.index(feature), j])

    def top(self, feature: str, k: int = 5) -> list[tuple[int, float]]:
        row = self.r[self.names.index(feature)]
        return [(int(j), float(row[j])) for j in self.order(feature)[:k]]

    def best_abs(self) -> np.ndarray:
        """(F,) the best |r| per feature."""
        return np.abs(self.r).max(axis=1)


def rank_units(acts: np.ndarray, features: Features) -> Ranking:
    """Rank the units of acts (T, H) against every feature (F, T)."""
    if acts.shape[0] != features.values.shape[1]:
        raise ValueError(f"activations have {acts.shape[0]} steps, features {features.values.shape[1]}")
    return Ranking(names=features.names, r=pearson(acts, features.values))


@dataclass(frozen=True)
class Saturation:
    """Per-unit fraction of steps a gate spends below `lo` and above `hi`."""

    gate: str
    low: np.ndarray  # (H,) fraction of steps with gate < lo
    high: np.ndarray  # (H,) fraction of steps with gate > hi
    lo: float = 0.1
    hi: float = 0.9

    def count_high(self, fraction: float = 0.5) -> int:
        """Units right-saturated more than `fraction` of the time (integrators, for a carry gate)."""
        return int((self.high > fraction).sum())

    def count_low(self, fraction: float = 0.5) -> int:
        return int((self.low > fraction).sum())


def gate_saturation(trace: Trace, gate: str, lo: float = 0.1, hi: float = 0.9) -> Saturation:
    """Saturation of one sigmoid gate (LSTM i, f, o; GRU r, z) over the steps of a trace."""
    if gate not in trace.gates or gate in ("g", "n"):
        sig = _sigmoid_gates(trace)
        raise ValueError(f"gate must be a sigmoid gate of this {trace.arch.upper()} ({sig}), got {gate!r}")
    g = trace.gates[gate].detach().double().numpy()  # (T, H)
    return Saturation(gate=gate, low=(g < lo).mean(axis=0), high=(g > hi).mean(axis=0), lo=lo, hi=hi)


def select_units(acts: np.ndarray, start: int, end: int, threshold: float) -> tuple[int, ...]:
    """Units whose activation is >= threshold at every step of the span [start, end) (LSTMVis)."""
    T = acts.shape[0]
    if not 0 <= start < end <= T:
        raise ValueError(f"the selection must satisfy 0 <= start < end <= {T}, got [{start}, {end})")
    on = (acts[start:end] >= threshold).all(axis=0)  # (H,)
    return tuple(int(j) for j in np.flatnonzero(on))


@dataclass(frozen=True)
class Match:
    """A span [start, end) where the selected units are on together; agreement = mean fraction on."""

    start: int
    end: int
    agreement: float


def find_matches(acts: np.ndarray, units: tuple[int, ...], threshold: float, *, agree: float = 1.0,
                 min_len: int = 2, exclude: tuple[int, int] | None = None, limit: int = 10) -> list[Match]:
    """Maximal spans where at least a fraction `agree` of `units` is >= threshold at every step.

    Sorted by agreement, then length (longest first); spans overlapping `exclude` (the brushed
    selection itself) are left out. At most `limit` are returned.
    """
    if not units:
        return []
    on = (acts[:, list(units)] >= threshold).mean(axis=1)  # (T,) fraction of the selected units on
    mask = on >= agree - 1e-9
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    out = []
    for s, e in zip(edges[::2], edges[1::2]):
        if e - s < min_len:
            continue
        if exclude is not None and s < exclude[1] and e > exclude[0]:
            continue
        out.append(Match(int(s), int(e), float(on[s:e].mean())))
    out.sort(key=lambda m: (-m.agreement, -(m.end - m.start), m.start))
    return out[:limit]


@dataclass(frozen=True)
class TextAnalysis:
    """One text read by a trained model and by its untrained twin, with features and rankings."""

    text: str
    signal: str  # which activation the rankings use ('c', 'h' or a gate)
    trained: TextTrace
    untrained: TextTrace
    features: Features  # built-in features, plus "regex" when the user's pattern worked
    acts: np.ndarray  # (T, H) trained activations
    acts_untrained: np.ndarray  # (T, H)
    ranking: Ranking
    ranking_untrained: Ranking
    regex_error: str | None = None  # why the user's pattern was not used, if it was not


def analyse_text(model: CharModel, untrained: CharModel, text: str, signal_name: str, pattern: str = "") -> TextAnalysis:
    """Trace `text` with both models and rank their units against every feature of the text."""
    return analyse_traces(model.trace_text(text), untrained.trace_text(text), signal_name, pattern)


def analyse_traces(tt: TextTrace, tu: TextTrace, signal_name: str, pattern: str = "") -> TextAnalysis:
    """`analyse_text` from the two models' traces of one text (which it only reads: they may be shared)."""
    text = tt.text
    features = text_features(text)
    regex_error = None
    if pattern:
        try:
            features = features.with_feature("regex", regex_feature(text, pattern))
        except ValueError as e:
            regex_error = str(e)
    acts, acts_u = signal(tt.trace, signal_name), signal(tu.trace, signal_name)
    return TextAnalysis(text=text, signal=signal_name, trained=tt, untrained=tu, features=features, acts=acts,
                        acts_untrained=acts_u, ranking=rank_units(acts, features),
                        ranking_untrained=rank_units(acts_u, features), regex_error=regex_error)


@dataclass(frozen=True)
class HeldOut:
    """What the Unit Finder reads of a second, longer text: h for where units are on together, and the
    saturation of every sigmoid gate, trained and untrained. A few MiB where a TextAnalysis of the same
    text holds every gate, the one-hot inputs and the predictions of two models (about 56 MiB at T = 6000)."""

    text: str
    labels: tuple[str, ...]  # (T,)
    h: np.ndarray  # (T, H) float32, the trained model's hidden state
    saturation: dict[str, tuple[Saturation, Saturation]]  # sigmoid gate -> (trained, untrained)


def _sigmoid_gates(trace: Trace) -> list[str]:
    return [g for g in trace.gates if g not in ("g", "n")]


def held_out(model: CharModel, untrained: CharModel, text: str) -> HeldOut:
    """Trace `text` with both models and keep only what HeldOut holds."""
    tt, tu = model.trace_text(text), untrained.trace_text(text)
    return held_out_of(tt, tu)


def held_out_of(trained: TextTrace, untrained: TextTrace) -> HeldOut:
    h = trained.trace.h.detach().numpy().astype(np.float32)  # (T, H)
    h.setflags(write=False)  # may be shared by every session: read-only
    sat = {g: (gate_saturation(trained.trace, g), gate_saturation(untrained.trace, g))
           for g in _sigmoid_gates(trained.trace)}
    return HeldOut(text=trained.text, labels=trained.labels, h=h, saturation=sat)
