import streamlit as st

from explorer.ui.router import ensure_router

ensure_router()

st.title("home")
st.info("This page is being built.")
