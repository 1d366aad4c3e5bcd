"""The Train & Predict page's widgets, its training run (live curve, Stop) and its result sections."""
from __future__ import annotations

import time

import streamlit as st

from explorer.figures.style import ARCH_LABELS, readable
from explorer.figures.tables import markdown_table, md_escape, table_csv
from explorer.figures.training import curves_figure, followers_figure, predictions_figure
from explorer.limits import MAX_TABLE_ROWS, MAX_TABLE_CHARS, MAX_TRAIN_CHARS, MAX_TRAIN_HIDDEN, MAX_TRAIN_STEPS
from explorer.scenes.train import WINDOW, followers, memory_sentence, predictions, speed_note, table_note, time_left
from explorer.text import char_label
from explorer.training import History, TrainConfig, train_char_model
from explorer.ui.session import TRAIN_CUT_NOTICE, TRAIN_LOADED_UPLOAD, TRAIN_STOP
from explorer.ui.session_models import begin_training, finish_training, put_trained, settle_pending
from explorer.ui.share import plot, section
from explorer.ui.state import PageState
from explorer.zoo.export import model_from_npz, model_npz

__all__ = ["ARCHS", "cap_text", "controls", "load_upload", "settle_interrupted", "train", "what_to_learn", "how_it_went",
           "links_and_downloads", "predictions_section", "generation_section"]

ARCHS = ("lstm", "gru", "rnn")
REDRAW_SECONDS = 0.25  # the live curve is redrawn at most this often: drawing must not slow training


def cap_text(P: PageState) -> None:
    """A text pasted or restored longer than the cap is cut before the widget shows it, with a message."""
    raw = P.get("text")
    if isinstance(raw, str) and len(raw) > MAX_TRAIN_CHARS:
        P.set("text", raw[:MAX_TRAIN_CHARS])
        TRAIN_CUT_NOTICE.set((f"The text had {len(raw):,} characters; only the first {MAX_TRAIN_CHARS:,} are used "
                              "(a step stays in milliseconds).", raw[:MAX_TRAIN_CHARS]))
    notice = TRAIN_CUT_NOTICE.get()
    if notice and notice[1] == P.get("text"):  # said while the cut text is the one on screen
        st.warning(notice[0])
    elif notice:
        TRAIN_CUT_NOTICE.pop()


def controls(P: PageState):
    """The text, the cells and the settings; returns (chosen archs, the uploaded file or None)."""
    left, right = st.columns([3, 2])
    with left:
        st.text_area("Text to learn", key=P.key("text"), height=110,
                     help=f"Any characters, up to {MAX_TRAIN_CHARS:,}. The model learns which character follows which.")
    with right:
        st.segmented_control("Cells to train", ARCHS, selection_mode="multi", key=P.key("cells"),
                             format_func=ARCH_LABELS.get)
        c1, c2 = st.columns(2)
        c1.number_input(f"Hidden size H (1–{MAX_TRAIN_HIDDEN})", 1, MAX_TRAIN_HIDDEN, step=8, key=P.key("hidden"),
                        help=f"Units per cell, 1 to {MAX_TRAIN_HIDDEN} (larger would no longer train in seconds).")
        c2.number_input(f"Max steps (1–{MAX_TRAIN_STEPS:,})", 1, MAX_TRAIN_STEPS, step=50, key=P.key("steps"),
                        help=f"Adam steps, up to {MAX_TRAIN_STEPS:,}. Short texts are usually learned in a few dozen.")
        with st.expander("More settings"):
            a1, a2 = st.columns(2)
            a1.number_input("Learning rate", 0.0001, 0.1, step=0.005, format="%.4f", key=P.key("lr"))
            a2.number_input("Seed", 0, 1_000_000, step=1, key=P.key("seed"),
                            help="Same seed and settings: the same weights, curves and predictions.")
            st.checkbox("Stop as soon as every next character is right", key=P.key("early"),
                        help="Off: train the whole budget, so the predictions get surer.")
        with st.expander("Load a model saved from this app (.npz)"):
            upload = st.file_uploader("Model file", type=["npz"], key="tr.upload", label_visibility="collapsed",
                                      help="A file from a 'Download' button below. Arrays only: checked for names, "
                                           "shapes, dtypes and size; nothing in it can run code.")
    return tuple(a for a in ARCHS if a in (P.get("cells") or [])), upload


def load_upload(upload, prepared) -> None:
    if upload is None or TRAIN_LOADED_UPLOAD.get() == upload.file_id:
        return
    TRAIN_LOADED_UPLOAD.set(upload.file_id)
    try:
        loaded = model_from_npz(upload.getvalue())
        if prepared is None:
            raise ValueError("type a text of at least two characters first: the model is shown reading it")
    except ValueError as err:
        st.error(f"That file was not loaded: {err}")
        return
    arch = loaded.config.arch
    put_trained(arch, loaded, History(arch=arch, losses=(), accuracies=(), steps=0, max_steps=0, seconds=0.0,
                                      stopped_early=False, interrupted=False, text_length=len(prepared.text),
                                      notice="loaded from a file"), prepared.text)
    st.success(f"Loaded a {ARCH_LABELS[arch]} with H = {loaded.config.hidden_size} and a {loaded.vocab.size}-character "
               "vocabulary; it is shown below on the current text.")


def settle_interrupted() -> None:
    """A run that was cut short: keep it if the user pressed Stop, otherwise it must not look finished."""
    stop_requested = TRAIN_STOP.pop(False)
    settled, never = settle_pending(keep=stop_requested)
    names = lambda archs: " and ".join(ARCH_LABELS[a] for a in archs)  # noqa: E731
    was = "was" if len(never) == 1 else "were"
    unstarted = f" {names(never)} had not started and {was} not trained." if never else ""
    if settled and stop_requested:
        st.success(f"Stopped. {names(settled)} kept what it had learned so far (marked “stopped” below).{unstarted}")
    elif settled:
        st.warning(f"Training was interrupted (a control changed, or the page was left) and the unfinished "
                   f"{names(settled)} model was discarded.{unstarted} Press Train to start again.")


def train(P: PageState, chosen: tuple[str, ...], text: str, stop_slot) -> None:
    """Train each chosen cell in turn, with a progress bar and the live loss; a Stop button keeps the weights."""
    stop_slot.button("Stop training", key="tr.stop", on_click=lambda: TRAIN_STOP.set(True), width="stretch",
                     help="Stop now and keep what the model has learned so far.")
    config = TrainConfig(hidden_size=int(P.get("hidden")), steps=int(P.get("steps")), lr=float(P.get("lr")))
    run = begin_training(chosen, text, config.steps)
    bar, live = st.progress(0.0, text="Starting…"), st.empty()
    for i, arch in enumerate(chosen):
        last_draw = [time.perf_counter()]  # first redraw after REDRAW_SECONDS: quick runs never wait for one
        started = last_draw[0]

        def callback(p, arch=arch, i=i, last_draw=last_draw, started=started):
            run.losses[arch].append(p.loss)
            run.accuracies[arch].append(p.accuracy)
            now = time.perf_counter()
            if now - last_draw[0] >= REDRAW_SECONDS or p.step == p.total:
                last_draw[0] = now
                left = time_left(now - started, p.step, p.total)  # a large H or budget can take minutes a cell
                bar.progress((i + p.step / p.total) / len(chosen),
                             text=f"Training {ARCH_LABELS[arch]}: step {p.step}/{p.total} · loss {p.loss:.3f}"
                                  f" · accuracy {p.accuracy:.0%}" + (f" · {left} for this cell" if left else ""))
                live.plotly_chart(readable(curves_figure(run.losses, "Loss while training", bool(P.get("presenter")))),
                                  key=f"tr.live.{arch}.{p.step}")

        # the server runs torch on one thread (explorer/ui/__init__.py): these steps are tiny
        model, history = train_char_model(text, arch=arch, seed=int(P.get("seed")), config=config,
                                          early_stop=bool(P.get("early")), callback=callback,
                                          on_start=lambda m, arch=arch: run.start(arch, m))
        put_trained(arch, model, history, text)
    finish_training()
    for placeholder in (bar, live, stop_slot):
        placeholder.empty()


def what_to_learn(text: str, presenter: bool) -> None:
    """Before training: the text's next-character table, and where only memory can get the next one right."""
    f = followers(text)
    plot(st, followers_figure(f, presenter), key="tr.followers")
    # it quotes the user's characters: shown as typed, never as Markdown
    st.caption(md_escape(memory_sentence(f) + table_note(f, MAX_TABLE_CHARS)))


def how_it_went(entries: dict, presenter: bool, text: str) -> None:
    f = followers(text)
    with section("How training went", presenter):
        g1, g2 = st.columns(2)
        plot(g1, curves_figure({a: list(e.history.losses) for a, e in entries.items()},
                               "Loss: cross-entropy of the next character", presenter), key="tr.loss")
        plot(g2, curves_figure({a: list(e.history.accuracies) for a, e in entries.items()},
                               "Accuracy: next characters predicted right", presenter,
                               y_title="accuracy", y_range=[0, 1.05],
                               line=(f.best_without_memory, f"best without memory: {f.best_percent}%")
                               if f.ambiguous else None),
             key="tr.acc")
        bound = (f"The dashed line is the most any model without memory can get right on this text ({f.best_percent}%: "
                 f"{f.right_without_memory} of {f.pairs}, always answering the character that most often follows "
                 "the one just read); a curve above it is using the hidden state." if f.ambiguous else
                 "On this text every character is always followed by the same one: the character just read is "
                 "enough, so 100% needs no memory.")
        st.caption("Each step is one Adam update on the whole text (long texts: on 16 random windows of 64 "
                   "characters). Lower loss means surer predictions; accuracy counts the most likely character only. "
                   + bound)
        for col, (arch, e) in zip(st.columns(len(entries)), entries.items()):
            h = e.history
            status = ("loaded from a file" if h.notice == "loaded from a file" else "every character right"
                      if h.stopped_early else "stopped by you" if h.interrupted else "step budget used")
            # the outcome first, the cost below it
            right = f"{h.final_accuracy:.0%} right" if h.accuracies else "loaded"
            col.metric(f"{ARCH_LABELS[arch]} · {e.model.num_parameters():,} parameters", right, status,
                       delta_color="off", delta_arrow="off",
                       help="Share of next characters the model got right at its last training step (on long "
                            "texts: in that step's windows); the table below checks every position. The parameters "
                            f"are the cell's ({e.model.cell.num_parameters():,}, the count the Cell Explorer shows) "
                            "and the readout's, which turns h into a score for every character.")
            # the cost on a line of its own: beside the status it was cut off in a third of a 1280 px page
            took = f"{h.seconds:.2f} s" if h.seconds >= 1 else f"{h.seconds * 1000:.0f} ms"  # never "0.00 s"
            budget = (f" of at most {h.max_steps} (it stops once every next character is right)"
                      if h.stopped_early else "")
            col.caption(f"{h.steps} steps{budget}, in {took} ({h.seconds_per_step * 1000:.1f} ms each)")
        slower = speed_note(*((entries[a].history, entries[a].model.num_parameters()) if a in entries else None
                              for a in ("lstm", "gru")))
        if slower:
            st.caption(slower)


def links_and_downloads(entries: dict, trained_text: str) -> None:
    st.page_link("pages/cell-explorer.py", query_params={"src": "session", "cells": ",".join(entries),
                                                        "text": trained_text[:200]}, icon=":material/biotech:",
                 label="Step through these trained models, gate by gate, in the Cell Explorer")
    for col, (arch, e) in zip(st.columns(len(entries) + 1), entries.items()):
        col.download_button(f"Download the {ARCH_LABELS[arch]} (.npz)", lambda m=e.model: model_npz(m),
                            file_name=f"{arch}-H{e.model.config.hidden_size}.npz", mime="application/octet-stream",
                            on_click="ignore", key=f"tr.dl.{arch}",
                            help="Weights, vocabulary and sizes as plain arrays; load it back with "
                                 "'Load a model saved from this app'.")
    st.page_link("pages/gradient-lab.py", query_params={"cells": "trained"}, icon=":material/trending_down:",
                 label="How far back do these trained models' gradients reach? Open them in the Gradient Lab "
                       "(Cells: “trained in this session”)")


def predictions_section(P: PageState, entries: dict, trained_text: str, presenter: bool):
    st.subheader("Feed it the text, one character at a time")
    st.info("In the note's example “hello”, after “h” comes “e” and after “e” comes “l”: the current letter is "
            "enough. But after “l” the answer is “l” the first time (hel → l) and “o” the second time (hell → o). "
            "The input is the same letter, so only the **memory** carried in the hidden state can tell them apart. "
            "The column “needs memory?” below marks every such place in your text.")
    v1, v2, v3 = st.columns([2, 1, 1])
    if P.get("view") not in entries:
        P.set("view", next(iter(entries)))
    v1.segmented_control("Model", tuple(entries), key=P.key("view"), format_func=ARCH_LABELS.get, required=True)
    v2.number_input("Top k", 1, 10, key=P.key("k"))
    n_pos = len(trained_text) - 1
    if n_pos > WINDOW:
        P.set("start", min(int(P.get("start")), n_pos))
        v3.number_input("From position", 1, n_pos, key=P.key("start"))
    entry = entries[P.get("view") or next(iter(entries))]
    pred = predictions(entry.model, trained_text, int(P.get("k")), int(P.get("start")))
    plot(st, predictions_figure(pred, presenter), key="tr.heat")
    st.caption("Columns are positions t in the text (the character just read), rows are possible next characters, "
               "colour is the model's probability (0 to 1). The orange box marks the character that really comes next.")
    with section("Every position as a table", presenter, heading=False):
        # Markdown, not a data grid: the grid's 1.2 MB bundle (and pandas in the server) would load on the first
        # training; a long text scrolls inside the box. At most MAX_TABLE_ROWS rows, from the heatmap's window on
        # (Streamlit's Markdown took ~4 s to draw 2,000); every row is in the CSV
        first = pred.positions[0] if pred.positions else 0
        rows = pred.table[first:first + MAX_TABLE_ROWS]
        box = st.container(height=min(60 + 36 * len(rows), 420), border=False)
        box.markdown(markdown_table(list(rows)))
        if len(rows) < len(pred.table):
            st.caption(f"Positions {first + 1:,}–{first + len(rows):,} of {len(pred.table):,} (from the position "
                       "chosen above); every position is in the CSV.")
        st.download_button("Every position (.csv)", lambda: table_csv(pred.table), file_name="predictions.csv",
                           mime="text/csv", on_click="ignore", key="tr.table_csv", icon=":material/download:")
        st.caption("“needs memory?” — this character is followed by different characters elsewhere in the text, so "
                   "the current letter alone cannot give the answer.")
    return entry


def generation_section(P: PageState, entries: dict, entry) -> None:
    st.subheader("Generate: feed each prediction back in")
    q1, q2, q3 = st.columns([2, 1, 1])
    q1.text_input("Prompt", key=P.key("prompt"), max_chars=200)
    q2.slider("Temperature", 0.0, 3.0, step=0.1, key=P.key("temp"),
              help="0: always the most likely character. Higher: more surprising choices.")
    q3.number_input("Characters", 1, 500, key=P.key("n"))
    prompt = P.get("prompt")
    if not prompt:
        st.warning("Type a prompt of at least one character.")
        return
    unknown = entry.model.vocab.unknown(prompt)
    if unknown:
        st.warning("Not in the training text, read as ⟨unk⟩: " + " ".join(char_label(c) for c in unknown))
    for col, (a, e) in zip(st.columns(len(entries)), entries.items()):
        out = e.model.generate(prompt, int(P.get("n")), float(P.get("temp")), seed=int(P.get("seed")))
        col.markdown(f"**{ARCH_LABELS[a]}**")
        # plain monospace text, not st.code: the page would fetch Streamlit's 1.5 MB syntax highlighter for it
        col.text(prompt + out)
    st.caption("The prompt, then the model's continuation. Same seed and temperature: the same text.")
