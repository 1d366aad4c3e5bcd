"""Reference for bench_stepping.py: the naive way, six 128×200 heatmaps redrawn by a rerun on every step."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(layout="wide")
T, H = 200, 128
rng = np.random.default_rng(0)
data = [rng.random((H, T)) for _ in range(6)]
st.session_state.setdefault("t", 1)
if st.button("Next step"):
    st.session_state.t += 1
t = st.session_state.t
st.write(f"t = {t}")
cols = st.columns(2)
for k, z in enumerate(data):
    fig = go.Figure(go.Heatmap(z=z, zmin=0, zmax=1, colorscale="Cividis"))
    fig.add_vline(x=t - 1, line=dict(color="orange", width=3))
    fig.update_layout(height=300, margin=dict(l=30, r=10, t=10, b=30))
    cols[k % 2].plotly_chart(fig, key=f"h{k}")
