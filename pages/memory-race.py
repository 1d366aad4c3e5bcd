import streamlit as st

st.title("memory_race")
st.info("This page is being built.")
