"""Reference for bench_stepping.py: the cheapest possible Streamlit step, a button and a counter."""
import streamlit as st

st.session_state.setdefault("t", 1)
if st.button("Next step"):
    st.session_state.t += 1
st.write(f"t = {st.session_state.t}")
