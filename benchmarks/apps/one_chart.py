"""Reference for bench_pages.py: a plain Streamlit page with one plotly heatmap, served the same way."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.title("One chart")
z = np.random.default_rng(0).random((128, 200))
st.plotly_chart(go.Figure(go.Heatmap(z=z, colorscale="Cividis")), key="one")
