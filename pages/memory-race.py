"""Memory Race: RNN, LSTM and GRU trained side by side on tasks with known answers, under one time budget."""
import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

from explorer.data.tasks import TASKS
from explorer.limits import MAX_RACE_HIDDEN, MAX_RACE_LAG, MAX_RACE_SECONDS, MAX_SWEEP_SECONDS
from explorer.race import CONTESTANTS
from explorer.ui.memory_race import SWEEP_LAGS, collect, controls, race, results, running, sweep, sweep_results
from explorer.ui.session import RACE_JOB
from explorer.ui.share import scene_tools, section
from explorer.ui.state import PageState, Param

P = PageState("mr", [
    Param("task", "first_symbol", choices=tuple(TASKS)),
    Param("T", 50, lo=2, hi=MAX_RACE_LAG, label="lag"),
    Param("budget", 30, lo=2, hi=MAX_RACE_SECONDS, label="seconds each"),
    Param("hidden", 32, lo=4, hi=MAX_RACE_HIDDEN, label="H"),
    Param("seed", 0, lo=0, hi=9999),
    *[Param(key, True) for key in CONTESTANTS],
    Param("sweep", 60, lo=10, hi=MAX_SWEEP_SECONDS, label="sweep seconds"),
    Param("presenter", False),
])
st.title("Memory Race")
st.markdown("Tasks with known answers, trained side by side on the same batches under **one shared time budget**. "
            "At PyTorch's default init the forget and update gates sit near 0.5, so the default LSTM and GRU forget "
            "about as fast as a plain RNN. Watch whether the variants with the **carry gate near 1** (bias +3) are "
            "the ones that remember.")
P.restore()
scene_tools(P, "memory-race")
P.show_notices()
config, messages = controls(P)
P.publish()
for m in messages:
    st.warning(m)
collect()
busy = RACE_JOB.get() is not None
if st.button("Start the race", type="primary", icon=":material/sports_score:", disabled=config is None or busy,
             key="mr.start") and config is not None:
    race(P, config)
running(P)
results(P)
with section("How far can each one reach? The sweep over T", P.get("presenter")):
    st.caption(f"One race per lag T = {', '.join(map(str, SWEEP_LAGS))}, with the contestants and settings above; "
               "the budget is split evenly over the lags.")
    budget_col, button_col = st.columns([1, 2], vertical_alignment="bottom")
    budget_col.number_input(f"Sweep budget, all lags (s, at most {MAX_SWEEP_SECONDS})", 10, MAX_SWEEP_SECONDS,
                            step=10, key=P.key("sweep"))
    if button_col.button("Sweep over T", icon=":material/show_chart:", disabled=config is None or busy,
                         key="mr.sweepbtn") and config is not None:
        sweep(P, config, P.get("sweep"))
        st.rerun()  # show the running sweep at the top
    sweep_results(P)
