"""Collect: write your own words, keep them as a dataset, and adapt a reader to your hand."""
import streamlit as st

from core.data.alphabets import AZ, letters_of
from dashboard.collect_adapt import adapt_section
from dashboard.collect_view import choose_dataset, contents, listing, move_and_delete, write_area
from dashboard.draw_correct import OWN_READER
from dashboard.models import FIRST_READER, pick_model

st.title("Collect")
st.caption("Teach a reader your handwriting: write the prompted words and save each one into a dataset of your own "
           "(Ink JSON files under `checkpoints/datasets/<name>/`), then adapt the reader to them and see how it "
           "reads the words you held back, before and after.")

top_left, top_right = st.columns([3, 2])
with top_right:
    picked = pick_model("reader", "collect_reader", "Reader",
                        prefer=(st.session_state.get(OWN_READER) or "", FIRST_READER),
                        help="prompts use only the characters it reads; it is the reader that Adapt adapts (first the "
                             f"one whose misreading you last saved on the Draw page, else {FIRST_READER}, as on Draw)")
with top_left:
    name = choose_dataset()
letters = letters_of(picked.model.alphabet)
top_right.caption("It reads lowercase a-z only." if set(letters) == set(AZ) else
                  f"It reads {len(letters)} characters: {' '.join(c if c != ' ' else '␣' for c in letters)}.")
if name is None:
    st.info("Create a dataset to start: give it a name (yours, say) and press Create.", icon=":material/edit_note:")
    st.stop()

rows, inks = contents(name)
st.subheader("Write")
write_area(name, letters, len(rows), {r["label"] for r in rows})
st.subheader(f"The samples of `{name}`")
listing(name, rows, inks)
move_and_delete(name, len(rows))
st.subheader("Adapt a reader to your hand")
adapt_section(name, len(rows), picked)
