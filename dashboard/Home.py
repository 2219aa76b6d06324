"""Entry point: `streamlit run dashboard/Home.py`. A router over the pages in ../pages/."""
import sys
from pathlib import Path

import streamlit as st

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

st.set_page_config(page_title="Handwriting Lab", page_icon="✍️", layout="wide")

PAGES = [  # file, title, icon
    ("home.py", "Home", ":material/home:"),
    ("data.py", "Data", ":material/draw:"),
    ("train.py", "Train", ":material/model_training:"),
    ("evaluate.py", "Evaluate", ":material/analytics:"),
    ("alignment.py", "Alignment", ":material/timeline:"),
    ("draw.py", "Draw", ":material/edit:"),
    ("runs.py", "Runs", ":material/folder_open:"),
    ("research.py", "Research", ":material/science:"),
]
pages = [st.Page(REPO / "pages" / f, title=t, icon=i, default=(f == "home.py"))
         for f, t, i in PAGES if (REPO / "pages" / f).exists()]
st.navigation(pages).run()
