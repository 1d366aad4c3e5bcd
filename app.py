"""LSTM & GRU Explorer: the router. Every page lives in pages/; this file only registers them."""
import streamlit as st

st.set_page_config(page_title="LSTM & GRU Explorer", page_icon="🔁", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon="🏠", url_path="", default=True),
    st.Page("pages/cell-explorer.py", title="Cell Explorer", icon="🔬", url_path="cell-explorer"),
    st.Page("pages/gradient-lab.py", title="Gradient Lab", icon="📉", url_path="gradient-lab"),
    st.Page("pages/train.py", title="Train & Predict", icon="🏋️", url_path="train"),
    st.Page("pages/memory-race.py", title="Memory Race", icon="🏁", url_path="memory-race"),
    st.Page("pages/unit-finder.py", title="Unit Finder", icon="🧭", url_path="unit-finder"),
]

st.navigation(PAGES).run()
