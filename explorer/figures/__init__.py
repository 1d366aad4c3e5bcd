"""Figure builders, one module per family; each returns a plotly Figure and never imports streamlit.

style: colour scales, fonts and the one HTML escaper; heatmaps: traces and the note's W; gradients:
decay curves; race: Memory Race; units: Unit Finder; data: a figure's numbers as CSV.
"""
