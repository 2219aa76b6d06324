"""Entry point: `streamlit run dashboard/Home.py`. A router over the pages in ../pages/ plus the shared sidebar."""
import sys
from pathlib import Path

import streamlit as st

# The entry file finds the repository itself (core.paths is not importable before this), so that pages
# import `core` and `dashboard` however streamlit was started.
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from core.train.runs import active_runs  # noqa: E402 - needs the path above
from dashboard.navigation import available_pages  # noqa: E402

st.set_page_config(page_title="Handwriting Lab", page_icon=":material/stylus_note:", layout="wide")

pages = {p.file: st.Page(p.path, title=p.title, icon=p.icon, default=p.file == "home.py") for p in available_pages()}
current = st.navigation(list(pages.values()))

# Runs outlive the page that started them, so every page says when one is training.
running = active_runs()
if running:
    with st.sidebar:
        st.caption(f":material/hourglass_top: {len(running)} run{'s' if len(running) > 1 else ''} training: "
                   + ", ".join(f"`{r}`" for r in running))
        if "train.py" in pages:
            st.page_link(pages["train.py"], label="Watch it on Train", icon=":material/monitoring:")

current.run()
