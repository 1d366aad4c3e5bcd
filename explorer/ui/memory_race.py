"""The Memory Race's widgets and the race itself: controls, the live view while it trains, the results."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

import streamlit as st
import torch

from explorer.data.tasks import TASKS, TaskSpec, make_batch
from explorer.figures.race import reach_figure, race_curves_figure, scoreboard_figure, sweep_figure
from explorer.figures.style import readable
from explorer.figures.tables import markdown_table
from explorer.limits import MAX_COPY_LAG, MAX_RACE_HIDDEN, MAX_RACE_LAG, MAX_RACE_SECONDS
from explorer.race import CONTESTANTS, RaceConfig, RaceProgress, gradient_reach, run_race, sweep_lag
from explorer.ui.gradient_cache import RaceCell
from explorer.ui.session import RACE_CELLS, RACE_FRAME, RACE_JOB, RACE_REACH, RACE_RESULT, RACE_SWEEP
from explorer.ui.share import plot, section
from explorer.ui.state import PageState

__all__ = ["SWEEP_LAGS", "RaceJob", "controls", "race", "sweep", "collect", "running", "results", "sweep_results"]

SWEEP_LAGS = (10, 20, 50, 100, 200)
TASK_BLURB = {
    "first_symbol": "One of 4 classes at t = 1, then T − 1 distractors from 4 other symbols; name the class at the end.",
    "adding": "Values in U[0, 1] on one channel, exactly two of them marked on the other; output their sum.",
    "copy": "10 symbols, T − 1 blanks, a delimiter; then write the 10 symbols back in order.",
    "brackets": "A random string of ( and ), nesting at most 8 deep; after each bracket, output the depth (Dyck-1). "
                "With the depth capped this is a finite-state task, and plain RNNs can learn it; the LSTM's counting "
                "advantage (Weiss et al. 2018) shows on deeper nesting than seen in training, not tested here.",
}


def controls(P: PageState) -> tuple[RaceConfig | None, list[str]]:
    """The race set-up from the widgets; (None, messages) when it cannot run."""
    task_col, lag_col, budget_col, hidden_col, seed_col = st.columns([2.2, 1.1, 1.1, 1, 0.8])
    task_col.selectbox("Task", list(TASKS), format_func=TASKS.get, key=P.key("task"))
    kind = P.get("task")
    lag_col.number_input(f"Lag T (2–{MAX_RACE_LAG})", 2, MAX_RACE_LAG, step=10, key=P.key("T"),
                         help=f"How many steps back the answer lies. At most {MAX_RACE_LAG} ({MAX_COPY_LAG} for the copy task).")
    budget_col.number_input(f"Budget (2–{MAX_RACE_SECONDS} s)", 2, MAX_RACE_SECONDS, step=5, key=P.key("budget"),
                            help=f"Training time shared by all contestants, at most {MAX_RACE_SECONDS} s. The one with the least "
                                 "training time so far always goes next, and a contestant that solves the task "
                                 "leaves its time to the rest.")
    hidden_col.number_input(f"Hidden H (4–{MAX_RACE_HIDDEN})", 4, MAX_RACE_HIDDEN, step=8, key=P.key("hidden"),
                            help=f"Hidden units of each contestant, 4 to {MAX_RACE_HIDDEN}.")
    seed_col.number_input("Seed (0–9999)", 0, 9999, key=P.key("seed"),
                          help="Starts the random numbers: the same seed gives the same weights and task texts, so "
                               "a race can be run again exactly; another seed shows how much luck is in the result.")
    cols = st.columns(3)
    for k, (key, c) in enumerate(CONTESTANTS.items()):
        cols[k % 3].checkbox(c.label, key=P.key(key))
    messages = []
    lag = P.get("T")
    if kind == "copy" and lag > MAX_COPY_LAG:
        messages.append(f"The copy task is capped at T = {MAX_COPY_LAG} (its sequences are T + 20 long); using {MAX_COPY_LAG}.")
        lag = MAX_COPY_LAG
    task = TaskSpec(kind, lag)
    st.caption(f"**{task.label}.** {TASK_BLURB[kind]}  \n**Baseline:** {task.baseline_note}")
    chosen = tuple(k for k in CONTESTANTS if P.get(k))
    if not chosen:
        messages.append("Choose at least one contestant.")
        return None, messages
    return RaceConfig(task=task, contestants=chosen, hidden_size=P.get("hidden"), seed=P.get("seed"),
                      time_budget=float(P.get("budget")), report_every=0.5), messages


def show_progress(P: PageState, bar, chart, status, config: RaceConfig, p: RaceProgress, prefix: str = "") -> None:
    text = (f"{prefix}testing on {config.test_size} fresh sequences…" if p.phase == "testing"
            else f"{prefix}{p.elapsed:.1f} s of {config.time_budget:.0f} s")
    bar.progress(p.fraction, text=text)
    x_max = max((c.seconds[-1] for c in p.curves.values() if c.seconds), default=1.0)
    n = RACE_FRAME.get(0) + 1  # a fresh key per frame
    RACE_FRAME.set(n)
    live = race_curves_figure(config.task, p.curves, x_max=x_max * 1.05, presenter=P.get("presenter"))
    chart.plotly_chart(readable(live), key=f"mr.live.{n}")
    status.caption(" · ".join(f"{CONTESTANTS[k].label}: step {n:,}{'' if k in p.running else ' ✓ done'}"
                              for k, n in p.steps.items()))


@dataclass
class RaceJob:
    """A race or a sweep running on its own thread, owned by one session (mutable on purpose).

    A script run only starts it and reads it: a rerun (presenter mode, any widget, a page switch) never
    interrupts the training. The thread computes only; it never calls Streamlit.
    """

    kind: str  # "race" or "sweep"
    config: RaceConfig
    lags: tuple[int, ...] = ()
    progress: RaceProgress | None = None
    prefix: str = ""
    step_config: RaceConfig | None = None  # the config of the race now running (a sweep's current lag)
    result: object = None
    reach: object = None
    cells: tuple = ()
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        try:
            if self.kind == "race":
                self.step_config = self.config
                x = make_batch(self.config.task, 1, torch.Generator().manual_seed(self.config.seed)).x[:, 0]  # (L, I)
                self.result = run_race(self.config, on_progress=self._heard, should_stop=self.cancel.is_set)
                self.reach = gradient_reach(self.result, x)
                task = f"{self.config.task.label}, T = {self.config.task.lag}"
                self.cells = tuple(RaceCell(e.contestant.label, task, e.model.cell, x) for e in self.result.entries)
            else:
                def heard(i: int, p: RaceProgress) -> None:
                    self.step_config = replace(self.config, task=replace(self.config.task, lag=self.lags[i]))
                    self.prefix = f"T = {self.lags[i]} ({i + 1} of {len(self.lags)}): "
                    self._heard(replace(p, fraction=(i + p.fraction) / len(self.lags)))
                self.result = sweep_lag(self.config, self.lags, on_progress=heard, should_stop=self.cancel.is_set)
        except Exception as err:  # pragma: no cover - reported on the page, never a traceback
            self.error = f"{type(err).__name__}: {err}"
        finally:
            self.done.set()

    def _heard(self, p: RaceProgress) -> None:
        self.progress = p


def _start(job: RaceJob) -> None:
    old = RACE_JOB.get()
    if old is not None and not old.done.is_set():
        old.cancel.set()  # one job per session: a new start replaces the old one
    RACE_JOB.set(job)
    threading.Thread(target=job.run, name=f"race-{id(job)}", daemon=True).start()


def race(P: PageState, config: RaceConfig) -> None:
    RACE_RESULT.pop()
    RACE_REACH.pop()
    _start(RaceJob("race", config))


def sweep(P: PageState, config: RaceConfig, total: int) -> None:
    lags = tuple(t for t in SWEEP_LAGS if config.task.kind != "copy" or t <= MAX_COPY_LAG)
    RACE_SWEEP.pop()
    _start(RaceJob("sweep", replace(config, time_budget=total / len(lags)), lags))


def collect() -> bool:
    """Move a finished job's results into the session (on the script thread); True if one finished now."""
    job = RACE_JOB.get()
    if job is None or not job.done.is_set():
        return False
    RACE_JOB.pop()
    if job.error:
        st.error(f"The {job.kind} failed: {job.error}")
    elif job.kind == "race":
        RACE_RESULT.set(job.result)
        RACE_REACH.set(job.reach)
        RACE_CELLS.set(job.cells)  # this session's own models; never shared between users
    else:
        RACE_SWEEP.set(job.result)
    return True


def running(P: PageState) -> None:
    """The live view of a running job, redrawn twice a second without rerunning the page."""
    if RACE_JOB.get() is None:
        return

    @st.fragment(run_every=0.5)
    def live() -> None:
        job = RACE_JOB.get()
        if job is None:
            return
        if job.done.is_set():
            st.rerun()  # the whole page, which collects the results
        st.button("Stop", key="mr.stop", on_click=job.cancel.set, icon=":material/stop:",
                  help="Stop now; the contestants are tested on what they have learned so far.")
        if job.progress is None:
            st.progress(0.0, text="starting…")
            return
        show_progress(P, st.empty(), st.empty(), st.empty(), job.step_config or job.config, job.progress, job.prefix)

    st.caption(f"A {job_kind()} is running: it keeps running while you switch presenter mode, change the page or "
               "come back later in this session.")
    live()


def job_kind() -> str:
    job = RACE_JOB.get()
    return "race" if job is None else job.kind


def results(P: PageState) -> None:
    result = RACE_RESULT.get()
    if result is None:
        return
    cfg = result.config
    st.subheader(f"Result: {cfg.task.label}, T = {cfg.task.lag}, {cfg.time_budget:.0f} s shared")
    a, b = st.columns([3, 2])
    x_max = max((e.curve.seconds[-1] for e in result.entries if e.curve.seconds), default=1.0)
    presenter = P.get("presenter")
    plot(a, race_curves_figure(cfg.task, {e.contestant.key: e.curve for e in result.entries},
                                      x_max=x_max * 1.05, presenter=presenter), key="mr.curves")
    a.caption("Each line is one contestant's accuracy (or MSE) on a fixed batch of 256 sequences, against its own "
              "training time; the grey dotted line is what the trivial strategy scores. A line that never leaves it "
              "has learned nothing that needs memory.")
    plot(b, scoreboard_figure(result, presenter=presenter), key="mr.scores")
    b.caption(f"Scored once more at the end, on {cfg.test_size} sequences none of them saw. "
              "Hatched bars: carry gate near 1.")
    winners = [e for e in result.entries if e.won]
    why = "The numbers, and why the winner won" if winners else "The numbers: nobody learned this task"
    with section(why, presenter, heading=False):
        fmt = (lambda v: f"{v:.1%}") if cfg.task.metric == "accuracy" else (lambda v: f"{v:.4f}")
        # Markdown, not a data grid: no 1.2 MB grid bundle in the browser, no pandas in the server
        st.markdown(markdown_table([{"contestant": e.contestant.label, cfg.task.metric: fmt(e.final_metric),
                                     "baseline": fmt(cfg.task.baseline), "verdict": e.verdict, "steps": e.steps,
                                     "training time (s)": round(e.seconds, 1),
                                     "ms per step": round(1000 * e.seconds / max(e.steps, 1), 1),
                                     "parameters": sum(p.numel() for p in e.model.parameters())}
                                    for e in result.entries]))
        reach = RACE_REACH.get()
        if reach is not None:
            plot(st, reach_figure(cfg.task, reach, presenter=presenter), key="mr.reach")
            st.caption(("Why the winner won: " if winners else "Why nobody learned it: ") +
                       "the gradient of the last output with respect to each earlier input, "
                       "measured on one sequence in the trained cells (float64, as in the Gradient Lab). Where a curve "
                       "has fallen to 1e-10 by the dotted line, no training signal reaches the step that holds the "
                       "answer.")
    st.page_link("pages/gradient-lab.py", label="Gradient Lab: how far back can each cell carry a gradient?",
                 icon=":material/trending_down:")


def sweep_results(P: PageState) -> None:
    sw = RACE_SWEEP.get()
    if sw is None:
        return
    task = sw.races[0].config.task
    plot(st, sweep_figure(sw, task, presenter=P.get("presenter")), key="mr.sweepfig")
    st.caption(f"One race per lag, {sw.races[0].config.time_budget:.0f} s each. Where a line falls onto the "
               "grey baseline, that cell could no longer bridge the lag in its share of the time. Each point is one "
               "race with one seed, so it is noisy: a cell can fail at one lag and succeed at a longer one. Change "
               "the seed and sweep again to see the spread before reading a trend.")
