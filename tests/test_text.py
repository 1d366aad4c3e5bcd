import pytest

from explorer.text import MAX_TEXT_CHARS, UNK, Vocab, char_label, prepare_text


def test_encode_decode_round_trip_and_unknown_token():
    v = Vocab.from_text("hello")
    assert v.chars[0] == UNK and v.size == 5  # UNK, e, h, l, o
    assert v.decode(v.encode("hello")) == "hello"
    ids = v.encode("hex")
    assert ids.tolist()[2] == 0 and v.decode(ids) == "he" + UNK
    assert v.unknown("hex!x") == ["x", "!"]


def test_printable_vocab_is_fixed_and_reads_emoji_as_unk():
    v = Vocab.printable()
    assert v == Vocab.printable() and v.size == 98
    assert v.encode("a😀").tolist()[1] == 0


def test_vocab_rejects_missing_unk_and_duplicates():
    with pytest.raises(ValueError):
        Vocab(("a", "b"))
    with pytest.raises(ValueError):
        Vocab((UNK, "a", "a"))


@pytest.mark.parametrize("ch,label", [(" ", "␣"), ("\n", "↵"), ("\t", "⇥"), ("\x00", "U+0000"), ("\u202e", "U+202E"),
                                       ("\u0301", "◌\u0301"), ("a", "a"), ("😀", "😀"), (UNK, "⟨unk⟩"), ("<", "<")])
def test_char_labels_make_every_character_visible(ch, label):
    assert char_label(ch) == label


def test_prepare_text_caps_with_a_notice_and_refuses_empty():
    with pytest.raises(ValueError, match="empty"):
        prepare_text("")
    p = prepare_text("x" * (MAX_TEXT_CHARS + 5))
    assert p.truncated and len(p.text) == MAX_TEXT_CHARS and "2,005" in p.notice
    assert prepare_text("hello").notice is None
    assert prepare_text("a\ud800b").text == "a" + UNK + "b"  # a lone surrogate cannot be displayed
