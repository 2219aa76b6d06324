"""Plain-Python core of the handwriting lab: ink, data, models, CTC, training, runs.

Never imports streamlit; the dashboard and the command line both call in here.
"""
