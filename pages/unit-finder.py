import streamlit as st

st.title("unit_finder")
st.info("This page is being built.")
