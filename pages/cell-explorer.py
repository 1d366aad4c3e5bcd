import streamlit as st

st.title("cell_explorer")
st.info("This page is being built.")
