import streamlit as st

st.title("gradient_lab")
st.info("This page is being built.")
