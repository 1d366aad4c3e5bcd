"""One frozen scene per page, computed from a frozen config without Streamlit.

A page reads its config from the page state, asks a module here for the scene, and renders it; every
number the page shows is in the scene, so the scenes are tested without AppTest.
"""
