"""explorer/scenes/train.py: the next-character table, and the most a model without memory can get right."""
import pytest
import torch

from explorer.scenes.train import followers, memory_sentence
from explorer.training import needs_memory

TEXTS = ["hello", "abab", "the cat sat on the mat, and the dog sat on the log.", "aaab\naab\n", "mississippi river"]


def memoryless_accuracy(text: str) -> float:
    """A real torch model that cannot remember: one linear layer from the character just read to the next one's
    logits, trained by Adam to convergence. Its argmax accuracy on the text is the most any memoryless rule gets."""
    chars = sorted(set(text))
    ids = torch.tensor([chars.index(c) for c in text])
    x, y = torch.nn.functional.one_hot(ids[:-1], len(chars)).float(), ids[1:]
    torch.manual_seed(0)
    layer = torch.nn.Linear(len(chars), len(chars))
    opt = torch.optim.Adam(layer.parameters(), lr=0.1)
    for _ in range(400):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(layer(x), y).backward()
        opt.step()
    with torch.no_grad():
        return (layer(x).argmax(1) == y).float().mean().item()


@pytest.mark.parametrize("text", TEXTS)
def test_the_bound_is_what_a_trained_memoryless_model_reaches(text):
    f = followers(text)
    assert f.pairs == len(text) - 1
    assert f.best_without_memory == pytest.approx(memoryless_accuracy(text), abs=1e-6)


def test_hello_by_hand():
    f = followers("hello")
    assert (f.chars, f.nexts) == (("h", "e", "l"), ("e", "l", "o"))
    assert f.counts == ((1, 0, 0), (0, 1, 0), (0, 1, 1))
    assert f.ambiguous == (2,) and f.followers_of(2) == ("l", "o")
    assert (f.right_without_memory, f.pairs, f.best_percent) == (3, 4, "75")
    sentence = memory_sentence(f)
    assert "After “l” come 2 different characters (“l”, “o”)" in sentence and "3 of the 4" in sentence
    assert "(75%)" in sentence


@pytest.mark.parametrize("text", TEXTS)
def test_the_ringed_rows_are_the_places_marked_needs_memory(text):
    f = followers(text)
    marked = {text[t] for t, m in enumerate(needs_memory(text)) if m}
    assert {f.chars[r] for r in f.ambiguous} == {followers(c + "x").chars[0] for c in marked}  # same labels


def test_a_text_without_ambiguity_says_memory_is_not_needed():
    f = followers("abcd")
    assert f.ambiguous == () and f.best_without_memory == 1.0
    assert "even a cell without memory can get every next character right" in memory_sentence(f)


def test_the_percent_has_one_decimal_and_never_reaches_100_short_of_every_character():
    f = followers("ab" * 1000 + "c")  # b is followed by a 999 times, once by c
    assert f.right_without_memory == f.pairs - 1 and f.best_percent == "99.9"
    assert "(99.9%)" in memory_sentence(f)
    assert followers("a\nb\na\nc").best_percent == "66.7"  # 4 of 6
    assert followers("hello").best_percent == "75"


def test_the_marks_for_a_space_and_a_line_break_are_explained_when_the_table_shows_them():
    assert "␣ is a space and ↵ is a line break" in memory_sentence(followers("a b\na c\n"))
    assert "is a space" not in memory_sentence(followers("hello"))


def test_labels_are_printable_and_rows_never_merge():
    f = followers("a a\n␣b")  # a space and the literal ␣ share a label; they stay two rows
    assert "␣" in f.chars and "↵" in f.chars
    assert len(f.chars) == len(set("a a\n␣b"[:-1])) and len(f.counts) == len(f.chars)


def test_a_text_of_many_different_characters_is_tabled_by_its_commonest_with_a_note():
    """A lecture hall's 2,000 emoji and ideographs: the table keeps MAX_TABLE_CHARS per side, the bound counts all."""
    from explorer.figures.training import followers_figure
    from explorer.limits import MAX_TABLE_CHARS
    from explorer.scenes.train import table_note

    text = "".join(chr(0x1F600 + (i * 37) % 80) + chr(0x4E00 + (i * 91) % 900) for i in range(1000))
    f = followers(text)
    fig = followers_figure(f)
    assert len(fig.data[0].y) == len(fig.data[0].x) == MAX_TABLE_CHARS < len(f.chars)
    rows, _ = f.shown(MAX_TABLE_CHARS)
    sums = [sum(r) for r in f.counts]
    assert min(sums[r] for r in rows) >= max(s for k, s in enumerate(sums) if k not in rows)  # the commonest
    assert table_note(f, MAX_TABLE_CHARS).startswith(f" The table shows the commonest {MAX_TABLE_CHARS} of the "
                                                     f"{len(f.chars)} different characters read")
    assert f.pairs == len(text) - 1 and table_note(followers("hello"), MAX_TABLE_CHARS) == ""


def test_time_left_is_said_only_when_a_cell_will_take_a_while_and_never_past_its_budget():
    """A walk: H = 256 and 5,000 steps took 99 to 228 s a cell, with no word of how long was left."""
    from explorer.scenes.train import time_left
    assert time_left(0.5, 20, 300) == "at most 7 s more"  # 0.025 s a step, 280 steps to go
    assert time_left(0.2, 20, 300) is None  # 2.8 s left: under the 3 s worth saying
    assert time_left(1.0, 50, 5000) == "at most 100 s more"  # 0.02 s a step, 4,950 steps to go: 99 s, to 10 s
    assert time_left(1.2, 50, 5000) == "at most 120 s more"  # seconds up to ten minutes: never "2 min" then "120 s"
    assert time_left(10.0, 50, 5000) == "at most 16 min more"  # 990 s
    assert time_left(3.0, 5000, 5000) is None and time_left(3.0, 0, 5000) is None
