"""Train & Predict: the note's "hello" example, live. Train on the typed text, then read what it predicts."""
import time

import plotly.graph_objects as go
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.zoo.export import model_from_npz, model_npz
from explorer.figures.style import ARCH_COLORS, ARCH_LABELS, GATE_SCALE, base_layout, readable
from explorer.text import char_label
from explorer.training import (MAX_TRAIN_HIDDEN, MAX_TRAIN_STEPS, MAX_TRAIN_CHARS, History, check_training_text,
                               needs_memory, train_char_model)
from explorer.ui.session_models import (begin_training, finish_training, settle_pending, trained_entries,
                                        put_trained)
from explorer.ui.share import plot, scene_tools, section
from explorer.ui.state import PageState, Param

ARCHS = ("lstm", "gru", "rnn")
WINDOW = 40  # positions shown at once in the prediction heatmap
REDRAW_SECONDS = 0.25  # the live curve is redrawn at most this often: drawing must not slow training
P = PageState("tr", [
    Param("text", "hello", max_len=MAX_TRAIN_CHARS),
    Param("cells", "lstm,gru,rnn", max_len=20),
    Param("hidden", 32, lo=1, hi=MAX_TRAIN_HIDDEN),
    Param("steps", 300, lo=1, hi=MAX_TRAIN_STEPS),
    Param("lr", 0.01, lo=0.0001, hi=0.1),
    Param("seed", 0, lo=0, hi=1_000_000),
    Param("early", True),
    Param("view", "lstm", choices=ARCHS),
    Param("start", 1, lo=1, hi=MAX_TRAIN_CHARS),
    Param("k", 3, lo=1, hi=10),
    Param("prompt", "h", max_len=200),
    Param("temp", 0.5, lo=0.0, hi=3.0),
    Param("n", 40, lo=1, hi=500),
    Param("presenter", False),
])
P.restore()
STOP_FLAG = "tr._stop_requested"


def plotly_text(s: str) -> str:
    """Plotly reads <b>, <a href> and friends in labels: show user characters literally instead."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def request_stop() -> None:
    st.session_state[STOP_FLAG] = True


def loss_figure(curves: dict[str, list[float]], title: str, presenter: bool, y_title: str = "loss (nats)",
                y_range=None) -> go.Figure:
    fig = go.Figure()
    for arch, ys in curves.items():
        fig.add_scatter(x=list(range(1, len(ys) + 1)), y=ys, mode="lines", name=ARCH_LABELS[arch],
                        line=dict(color=ARCH_COLORS[arch], width=3))
    base_layout(fig, title=title, height=300, presenter=presenter)
    fig.update_layout(xaxis_title="step", yaxis_title=y_title, legend=dict(orientation="h", y=-0.25))
    if y_range is not None:
        fig.update_yaxes(range=y_range)
    return fig


scene_tools(P, "train")
st.title("Train & Predict")
st.caption("Type a text, train LSTM, GRU and RNN on it in seconds, then watch each one predict the next "
           "character: feed “h”, get “e”, feed “e” back in.")
P.show_notices()

# a text pasted or restored longer than the cap is cut before the widget shows it, with a message
raw = st.session_state.get(P.key("text"), "")
if isinstance(raw, str) and len(raw) > MAX_TRAIN_CHARS:
    st.session_state[P.key("text")] = raw[:MAX_TRAIN_CHARS]
    st.session_state["tr._cut_notice"] = (f"The text had {len(raw):,} characters; only the first "
                                          f"{MAX_TRAIN_CHARS:,} are used (a step stays in milliseconds).")
if st.session_state.get("tr._cut_notice"):
    st.warning(st.session_state["tr._cut_notice"])

left, right = st.columns([3, 2])
with left:
    st.text_area("Text to learn", key=P.key("text"), height=110, max_chars=MAX_TRAIN_CHARS,
                 help=f"Any characters, up to {MAX_TRAIN_CHARS:,}. The model learns which character follows which.")
with right:
    if P.key("cells") + ".w" not in st.session_state:  # the URL's comma list seeds the multi-select once
        st.session_state[P.key("cells") + ".w"] = [a for a in ARCHS if a in str(P.get("cells")).split(",")]
    st.segmented_control("Cells to train", ARCHS, selection_mode="multi", key=P.key("cells") + ".w",
                         format_func=ARCH_LABELS.get)
    c1, c2 = st.columns(2)
    c1.number_input("Hidden size H", 1, MAX_TRAIN_HIDDEN, step=8, key=P.key("hidden"),
                    help=f"Units per cell, 1 to {MAX_TRAIN_HIDDEN} (larger would no longer train in seconds).")
    c2.number_input("Steps (at most)", 1, MAX_TRAIN_STEPS, step=50, key=P.key("steps"),
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

chosen = tuple(a for a in ARCHS if a in (st.session_state.get(P.key("cells") + ".w") or []))
st.session_state[P.key("cells")] = ",".join(chosen)
presenter = bool(P.get("presenter"))

problem = None
try:
    prepared = check_training_text(P.get("text"))
except ValueError as e:
    prepared, problem = None, str(e)
if problem:
    st.error(problem)
elif not chosen:
    st.info("Choose at least one cell to train.")

if upload is not None and st.session_state.get("tr._loaded_id") != upload.file_id:
    st.session_state["tr._loaded_id"] = upload.file_id
    try:
        loaded = model_from_npz(upload.getvalue())
        if prepared is None:
            raise ValueError("type a text of at least two characters first: the model is shown reading it")
    except ValueError as err:
        st.error(f"That file was not loaded: {err}")
    else:
        text_for = prepared.text
        put_trained(loaded.config.arch, loaded, History(
            arch=loaded.config.arch, losses=(), accuracies=(), steps=0, max_steps=0, seconds=0.0,
            stopped_early=False, interrupted=False, text_length=len(text_for), notice="loaded from a file"),
            text_for)
        st.success(f"Loaded a {ARCH_LABELS[loaded.config.arch]} with H = {loaded.config.hidden_size} and a "
                   f"{loaded.vocab.size}-character vocabulary; it is shown below on the current text.")

b1, b2, _ = st.columns([1, 1, 4])
train_clicked = b1.button("Train", type="primary", key="tr.train", disabled=bool(problem) or not chosen,
                          width="stretch")
stop_slot = b2.empty()

# a run that was cut short: keep it if the user pressed Stop, otherwise it must not look finished
stop_requested = st.session_state.pop(STOP_FLAG, False)
settled = settle_pending(keep=stop_requested)
if settled and stop_requested:
    st.success("Stopped. " + ", ".join(ARCH_LABELS[a] for a in settled) + " kept what it had learned so far "
               "(marked “stopped” below).")
elif settled:
    st.warning("Training was interrupted by a change on the page; the unfinished "
               + ", ".join(ARCH_LABELS[a] for a in settled) + " model was discarded. Press Train to start again.")

if train_clicked and prepared is not None and chosen:
    stop_slot.button("Stop training", key="tr.stop", on_click=request_stop, width="stretch",
                     help="Stop now and keep what the model has learned so far.")
    run = begin_training(chosen, prepared.text, int(P.get("steps")))
    bar = st.progress(0.0, text="Starting…")
    live = st.empty()
    for i, arch in enumerate(chosen):
        last_draw = [time.perf_counter()]  # first redraw after REDRAW_SECONDS: quick runs never wait for one

        def callback(p, arch=arch, i=i, last_draw=last_draw):
            run.losses[arch].append(p.loss)
            run.accuracies[arch].append(p.accuracy)
            now = time.perf_counter()
            if now - last_draw[0] >= REDRAW_SECONDS or p.step == p.total:
                last_draw[0] = now
                bar.progress((i + p.step / p.total) / len(chosen),
                             text=f"Training {ARCH_LABELS[arch]}: step {p.step}/{p.total} · loss {p.loss:.3f}"
                                  f" · accuracy {p.accuracy:.0%}")
                live.plotly_chart(readable(loss_figure(run.losses, "Loss while training", presenter)),
                                  key=f"tr.live.{arch}.{p.step}")

        # the server runs torch on one thread (explorer/ui/__init__.py): these steps are tiny
        model, history = train_char_model(
            prepared.text, arch=arch, seed=int(P.get("seed")), hidden_size=int(P.get("hidden")),
            steps=int(P.get("steps")), lr=float(P.get("lr")), early_stop=bool(P.get("early")),
            callback=callback, on_start=lambda m, arch=arch: run.start(arch, m))
        put_trained(arch, model, history, prepared.text)
    finish_training()
    bar.empty()
    live.empty()
    stop_slot.empty()

entries = trained_entries()
if not entries:
    if not train_clicked:
        st.info("Press **Train**. On “hello” each cell learns h → e, he → l, hel → l, hell → o in about a "
                "second (a few dozen Adam steps).")
    P.publish()
    st.stop()

# ------------------------------------------------------------------------------------------ results
trained_text = next(iter(entries.values())).text
if prepared is not None and prepared.text != trained_text:
    st.info("The text has changed since these models were trained; the results below are for the old text. "
            "Press Train to learn the new one.")

with section("How training went", presenter):
    g1, g2 = st.columns(2)
    plot(g1, loss_figure({a: list(e.history.losses) for a, e in entries.items()},
                         "Loss: cross-entropy of the next character", presenter), key="tr.loss")
    plot(g2, loss_figure({a: list(e.history.accuracies) for a, e in entries.items()},
                         "Accuracy: next characters predicted right", presenter,
                         y_title="accuracy", y_range=[0, 1.05]), key="tr.acc")
    st.caption("Each step is one Adam update on the whole text (long texts: on 16 random windows of 64 "
               "characters). Lower loss means surer predictions; accuracy counts the most likely character only.")
    metric_cols = st.columns(len(entries))
    for col, (arch, e) in zip(metric_cols, entries.items()):
        h = e.history
        status = ("loaded from a file" if h.notice == "loaded from a file" else "every character right"
                  if h.stopped_early else "stopped by you" if h.interrupted else "step budget used")
        col.metric(f"{ARCH_LABELS[arch]} · {e.model.num_parameters():,} parameters",
                   f"{h.seconds_per_step * 1000:.1f} ms / step",
                   f"{h.steps} steps in {h.seconds:.2f} s · {status}", delta_color="off", delta_arrow="off")

st.page_link("pages/cell-explorer.py", query_params={"src": "session", "cells": ",".join(entries),
                                                    "text": trained_text[:200]}, icon=":material/biotech:",
             label="Step through these trained models, gate by gate, in the Cell Explorer")
dl_cols = st.columns(len(entries) + 1)
for col, (arch, e) in zip(dl_cols, entries.items()):
    col.download_button(f"Download the {ARCH_LABELS[arch]} (.npz)", lambda m=e.model: model_npz(m),
                        file_name=f"{arch}-H{e.model.config.hidden_size}.npz", mime="application/octet-stream",
                        on_click="ignore", key=f"tr.dl.{arch}",
                        help="Weights, vocabulary and sizes as plain arrays; load it back with "
                             "'Load a model saved from this app'.")
st.page_link("pages/gradient-lab.py", query_params={"cells": "trained"}, icon=":material/trending_down:",
             label="How far back do these trained models' gradients reach? Open them in the Gradient Lab "
                   "(Cells: “trained in this session”)")

st.subheader("Feed it the text, one character at a time")
st.info("In the note's example “hello”, after “h” comes “e” and after “e” comes “l”: the current letter is "
        "enough. But after “l” the answer is “l” the first time (hel → l) and “o” the second time (hell → o). "
        "The input is the same letter, so only the **memory** carried in the hidden state can tell them apart. "
        "The column “needs memory?” below marks every such place in your text.")
v1, v2, v3 = st.columns([2, 1, 1])
if P.get("view") not in entries:
    st.session_state[P.key("view")] = next(iter(entries))
v1.segmented_control("Model", tuple(entries), key=P.key("view"), format_func=ARCH_LABELS.get, required=True)
v2.number_input("Top k", 1, 10, key=P.key("k"))
n_pos = len(trained_text) - 1
if n_pos > WINDOW:
    st.session_state[P.key("start")] = min(int(P.get("start")), n_pos)
    v3.number_input("From position", 1, n_pos, key=P.key("start"))
arch = P.get("view") or next(iter(entries))
entry = entries[arch]
tt = entry.model.trace_text(trained_text)
k = int(P.get("k"))
top = tt.top_k(k)
labels = [char_label(c) for c in entry.model.vocab.chars]
memory = needs_memory(trained_text)
start = min(int(P.get("start")), max(n_pos - WINDOW + 1, 1)) - 1 if n_pos > WINDOW else 0
pos = list(range(start, min(start + WINDOW, n_pos)))

# heatmap rows: the characters that are ever in the top k or the right answer inside the window
ids = sorted({int(i) for t in pos for i in top.ids[t]} | {int(tt.tokens[t + 1]) for t in pos})
z = [[float(tt.probs[t, i]) for t in pos] for i in ids]
xt = [f"{t + 1}:{plotly_text(tt.labels[t])}" for t in pos]
fig = go.Figure(go.Heatmap(z=z, x=xt, y=[plotly_text(labels[i]) for i in ids], zmin=0, zmax=1,
                           colorscale=GATE_SCALE, colorbar=dict(title="p"),
                           customdata=[[plotly_text(tt.labels[t]) for t in pos] for _ in ids],
                           hovertemplate="after %{customdata} → %{y}: p=%{z:.2f}<extra></extra>"))
fig.add_scatter(x=xt, y=[plotly_text(labels[int(tt.tokens[t + 1])]) for t in pos], mode="markers",
                name="the real next character",
                marker=dict(symbol="square-open", size=22 if len(pos) < 20 else 12, color="#e4572e",
                            line=dict(width=3)))
base_layout(fig, title=f"{ARCH_LABELS[arch]}: probability of each next character after reading position t",
            height=max(260, 34 * len(ids) + 140), presenter=presenter)
fig.update_layout(xaxis_title="position t : character just read", yaxis_title="next character",
                  legend=dict(orientation="h", y=-0.3))
fig.update_yaxes(type="category", autorange="reversed")
fig.update_xaxes(type="category")
plot(st, fig, key="tr.heat")
st.caption("Columns are steps, rows are possible next characters, colour is the model's probability (0 to 1). "
           "The orange box marks the character that really comes next.")

with section("Every position as a table", presenter, heading=False):
    rows = []
    for t in range(n_pos):
        preds = " · ".join(f"{labels[int(i)]} {float(p):.0%}" for i, p in zip(top.ids[t], top.probs[t]))
        rows.append({"t": t + 1, "read so far": "".join(tt.labels[max(0, t - 11):t + 1]),
                     "next (real)": tt.labels[t + 1], f"top {k} predicted": preds,
                     "right?": "✓" if int(top.ids[t, 0]) == int(tt.tokens[t + 1]) else "✗",
                     "needs memory?": "yes" if memory[t] else ""})
    st.dataframe(rows, hide_index=True, height=min(38 + 35 * len(rows), 400))
    st.caption("“needs memory?” — this character is followed by different characters elsewhere in the text, so "
               "the current letter alone cannot give the answer.")

st.subheader("Generate: feed each prediction back in")
q1, q2, q3 = st.columns([2, 1, 1])
q1.text_input("Prompt", key=P.key("prompt"), max_chars=200)
q2.slider("Temperature", 0.0, 3.0, step=0.1, key=P.key("temp"),
          help="0: always the most likely character. Higher: more surprising choices.")
q3.number_input("Characters", 1, 500, key=P.key("n"))
prompt = P.get("prompt")
if not prompt:
    st.warning("Type a prompt of at least one character.")
else:
    unknown = entry.model.vocab.unknown(prompt)
    if unknown:
        st.warning("Not in the training text, read as ⟨unk⟩: " + " ".join(char_label(c) for c in unknown))
    gen_cols = st.columns(len(entries))
    for col, (a, e) in zip(gen_cols, entries.items()):
        out = e.model.generate(prompt, int(P.get("n")), float(P.get("temp")), seed=int(P.get("seed")))
        col.markdown(f"**{ARCH_LABELS[a]}**")
        col.code(prompt + out, language=None, wrap_lines=True)
    st.caption("The prompt, then the model's continuation. Same seed and temperature: the same text.")

P.publish()
