"""Reference for bench_server.py: the smallest Streamlit app."""
import streamlit as st

st.title("Hello, world")
