"""What the Train & Predict page shows: which character follows which in the text (what a cell has to learn),
and a trained model's predictions at every position of it."""
from __future__ import annotations

from dataclasses import dataclass

from explorer.model import CharModel
from explorer.text import char_label
from explorer.training import History, needs_memory

__all__ = ["WINDOW", "Followers", "followers", "memory_sentence", "table_note", "Predictions", "predictions",
           "time_left", "speed_note"]

WINDOW = 40  # positions shown at once in the prediction heatmap


@dataclass(frozen=True)
class Followers:
    """Which character follows which in a text: all a cell that sees only the current character could know."""

    chars: tuple[str, ...]  # (R,) printable labels of the characters read, in order of first appearance
    nexts: tuple[str, ...]  # (C,) printable labels of the characters that come next, in order of first appearance
    counts: tuple[tuple[int, ...], ...]  # (R, C): how often nexts[j] comes right after chars[i]
    ambiguous: tuple[int, ...]  # rows followed by more than one different character (needs_memory's places)
    right_without_memory: int  # most next characters any rule "this character -> that one" gets right

    @property
    def pairs(self) -> int:
        return sum(map(sum, self.counts))

    @property
    def best_without_memory(self) -> float:
        return self.right_without_memory / self.pairs

    @property
    def best_percent(self) -> str:
        """best_without_memory as a percentage to one decimal, without a trailing ".0" ("75", "66.7"); never
        "100" unless every next character can be right (1999 of 2000 is "99.9")."""
        tenths = round(1000 * self.right_without_memory / self.pairs)
        if tenths == 1000 and self.right_without_memory < self.pairs:
            tenths = 999
        return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"

    def shown(self, most: int) -> tuple[list[int], list[int]]:
        """The rows and columns a table of at most `most` per side shows: the commonest, in their first-seen order."""
        def top(sums: list[int]) -> list[int]:
            return sorted(sorted(range(len(sums)), key=lambda k: -sums[k])[:most])
        return top([sum(r) for r in self.counts]), top([sum(c) for c in zip(*self.counts)])

    def followers_of(self, row: int) -> tuple[str, ...]:
        return tuple(self.nexts[j] for j, n in enumerate(self.counts[row]) if n)


def followers(text: str) -> Followers:
    """The next-character table of `text` (at least two characters) and the best accuracy without memory."""
    if len(text) < 2:
        raise ValueError("followers needs at least two characters")
    chars = list(dict.fromkeys(text[:-1]))
    nexts = list(dict.fromkeys(text[1:]))
    row, col = {c: i for i, c in enumerate(chars)}, {c: j for j, c in enumerate(nexts)}
    counts = [[0] * len(nexts) for _ in chars]
    for ch, nxt in zip(text, text[1:]):
        counts[row[ch]][col[nxt]] += 1
    memory = needs_memory(text)
    ambiguous = tuple(sorted({row[text[t]] for t in range(len(text) - 1) if memory[t]}))
    # without memory the best a model can do is answer each character's most frequent follower
    return Followers(chars=tuple(char_label(c) for c in chars), nexts=tuple(char_label(c) for c in nexts),
                     counts=tuple(map(tuple, counts)), ambiguous=ambiguous,
                     right_without_memory=sum(max(r) for r in counts))


SYMBOLS = ((char_label(" "), "a space"), (char_label("\n"), "a line break"))  # the table's two commonest marks


def table_note(f: Followers, most: int) -> str:
    """Said under a table cut to `most` characters per side ("" when nothing was cut)."""
    rows, cols = f.shown(most)
    if (len(rows), len(cols)) == (len(f.chars), len(f.nexts)):
        return ""
    return (f" The table shows the commonest {len(rows)} of the {len(f.chars)} different characters read and "
            f"{len(cols)} of the {len(f.nexts)} that come next; the numbers above count them all.")


def memory_sentence(f: Followers) -> str:
    """What the table says about memory, in plain sentences with their numbers."""
    said = [f"{s} is {says}" for s, says in SYMBOLS if s in f.chars + f.nexts]
    legend = f" In the table, {' and '.join(said)}." if said else ""
    if not f.ambiguous:
        return ("Each character here is always followed by the same one, so the character just read is enough: "
                f"even a cell without memory can get every next character right. Try “hello”.{legend}")
    if len(f.ambiguous) == 1:
        row = f.ambiguous[0]
        after = f"After “{f.chars[row]}” come {len(f.followers_of(row))} different characters " \
                f"({', '.join(f'“{c}”' for c in f.followers_of(row))})"
    else:
        shown = ", ".join(f"“{f.chars[r]}”" for r in f.ambiguous[:3])
        after = f"{len(f.ambiguous)} different characters ({shown}{', …' if len(f.ambiguous) > 3 else ''}) are " \
                "followed by one character in some places and by another elsewhere"
    return (f"{after}: the character just read cannot tell which comes next, so without memory a model gets at most "
            f"{f.right_without_memory} of the {f.pairs} next characters right ({f.best_percent}%). Above that, a cell "
            f"is using what it carries in its hidden state.{legend}")


@dataclass(frozen=True)
class Predictions:
    arch: str
    k: int
    positions: tuple[int, ...]  # 0-based positions t in the window (the character just read is text[t])
    rows: tuple[int, ...]  # vocabulary ids drawn as heatmap rows: ever in the top k, or the real next one
    z: tuple[tuple[float, ...], ...]  # (rows, positions) probabilities
    read: tuple[str, ...]  # printable label of each character of the text
    truth: tuple[int, ...]  # (T - 1,) id of the real next character
    vocab_labels: tuple[str, ...]
    table: tuple[dict, ...]  # one row per position: what was read, the real next one, the top k, right?


def predictions(model: CharModel, text: str, k: int = 3, start: int = 1) -> Predictions:
    """The model's top-k next characters after each position of `text`, and the heatmap window from `start`."""
    tt = model.trace_text(text)
    top = tt.top_k(k)
    labels = tuple(char_label(c) for c in model.vocab.chars)
    memory = needs_memory(text)
    n_pos = len(text) - 1
    first = min(max(start, 1), max(n_pos - WINDOW + 1, 1)) - 1 if n_pos > WINDOW else 0
    pos = tuple(range(first, min(first + WINDOW, n_pos)))
    truth = tuple(int(tt.tokens[t + 1]) for t in range(n_pos))
    rows = tuple(sorted({int(i) for t in pos for i in top.ids[t]} | {truth[t] for t in pos}))
    z = tuple(tuple(float(tt.probs[t, i]) for t in pos) for i in rows)
    table = tuple({"t": t + 1, "read so far": "".join(tt.labels[max(0, t - 11):t + 1]),
                   "next (real)": tt.labels[t + 1],
                   f"top {k} predicted": " · ".join(f"{labels[int(i)]} {float(p):.0%}"
                                                    for i, p in zip(top.ids[t], top.probs[t])),
                   "right?": "✓" if int(top.ids[t, 0]) == truth[t] else "✗",
                   "needs memory?": "yes" if memory[t] else ""} for t in range(n_pos))
    return Predictions(arch=model.config.arch, k=k, positions=pos, rows=rows, z=z, read=tt.labels, truth=truth,
                       vocab_labels=labels, table=table)


SLOWER = 1.2  # a GRU step this many times an LSTM step, or more, gets the explanation below


def speed_note(lstm: tuple[History, int] | None, gru: tuple[History, int] | None) -> str | None:
    """Why the GRU's steps took longer than the LSTM's though it is the smaller cell; said only when they did.

    `lstm`, `gru`: (that cell's History, its parameter count), or None when not trained in this run. The kernel
    fact is pinned by tests/test_training.py (the LSTM's training step is one oneDNN op each way, the GRU's is not).
    """
    if lstm is None or gru is None or not lstm[0].losses or not gru[0].losses:  # a loaded file has no timing
        return None
    ratio = gru[0].seconds_per_step / lstm[0].seconds_per_step
    if ratio < SLOWER:
        return None
    return (f"The GRU has fewer parameters than the LSTM ({gru[1]:,} against {lstm[1]:,}), yet each of its steps "
            f"took {ratio:.1f}× as long here. The note's “the GRU is cheaper” counts arithmetic. On a CPU, PyTorch has "
            "one ready-made routine for a whole LSTM over the whole text, forwards and backwards (from Intel's oneDNN "
            "library), while the GRU is computed character by character as many small separate operations.")


def time_left(elapsed: float, step: int, total: int) -> str | None:
    """What is left of one cell's run at its pace so far, for the progress line; None while it is short (under
    3 s) or too early to say. "At most": an early stop may end it sooner."""
    if step < 1 or step >= total:
        return None
    left = elapsed / step * (total - step)
    if left < 3:
        return None
    # seconds up to ten minutes (to the nearest 10 above one): the estimate wobbles, and a unit that flipped
    # between "2 min" and "120 s" read as time going backwards
    if left < 60:
        return f"at most {left:.0f} s more"
    return f"at most {round(left, -1):.0f} s more" if left < 600 else f"at most {left / 60:.0f} min more"

