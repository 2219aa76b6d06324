"""A bare canvas that prints its json_data: used to record real browser drawings as test fixtures."""
import json

import streamlit as st
from streamlit_drawable_canvas import st_canvas

result = st_canvas(stroke_width=3, stroke_color="#000", background_color="#fff", height=300, width=500,
                   drawing_mode="freedraw", key="fixture_canvas", update_streamlit=True)
if result is not None and result.json_data:
    st.code(json.dumps(result.json_data), language="json")
