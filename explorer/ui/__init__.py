"""The only Streamlit-aware code besides pages/: shared widgets, caches and components."""
