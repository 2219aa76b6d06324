"""Draw: write a word or a line with the mouse, a finger or a stylus (or upload ink) and see it read as the pen
lifts."""
import streamlit as st

from core.models.inference import LEXICON_BUDGET
from dashboard.draw_view import drawing_area, is_line_reader, known_letters, language_model, lexicon_choice
from dashboard.models import FIRST_READER, pick_model

st.title("Draw")
intro = st.empty()  # says what to write once the reader is known

left_pick, right_pick = st.columns(2)
with left_pick:
    picked = pick_model("reader", "draw_reader", "Reader", prefer=(FIRST_READER,),
                        help="reader-text reads whole lines: capitals, digits, punctuation and spaces, every "
                             "printable character; reader-az reads single lowercase a-z words; reader-seed knows "
                             "only the ten letters of seed 001's experiment")
line = is_line_reader(picked)
with right_pick:  # a line reader reads capitals, digits and symbols: the classifier that knows them all
    classifier = pick_model("classifier", "draw_classifier", "Classifier (for single letters)",
                            help="names the character when the reader reads at most one; classifier-chars knows "
                                 "every character, classifier-az lowercase a-z only", required=False,
                            prefer=("classifier-chars",) if line else ())
if line:
    intro.caption("Write a line on the canvas (or upload ink): words with spaces between them, capitals, digits and "
                  "punctuation. Every time the pen lifts, the reader decodes it four ways: greedy (best path), "
                  "prefix beam search, every word from a lexicon, and lm: a dictionary and a word-bigram language "
                  "model, whose line is the answer.")
else:
    intro.caption("Write a word on the canvas, or upload ink. Every time the pen lifts, the reader decodes it three "
                  "ways: greedy (best path), prefix beam search, and the best word of a lexicon by CTC likelihood.")
known_letters(picked)
if line:
    language_model()  # before the canvas, so that the first line drawn is not the one that waits

o1, o2, o3 = st.columns([1, 1, 2])
use_lexicon = o1.toggle("Decode with a lexicon", value=True, key="draw_use_lexicon",
                        help="also read every word of the line from a word list (off: greedy, beam and lm)" if line
                        else "also give the likeliest word of a word list (off: only greedy and beam)")
exact = o2.toggle("Exact lexicon search", value=False, key="draw_exact", disabled=line or not use_lexicon,
                  help="a line's lexicon decoding is a beam search over the words of the list: it has no budget"
                  if line else
                  f"off: the search stops after {LEXICON_BUDGET:,} trie nodes and takes the best word found, so "
                  "an unsure drawing never stalls the page (on the 414 real test words it changes no answer); "
                  "on: every word is scored, which can take a second for a scribble")
beam_width = o3.slider("Beam width", 1, 32, 10, key="draw_beam",
                       help="prefixes the beam search keeps at every frame (1: greedy); wider finds likelier texts, "
                            "slower" + ("; lexicon and lm keep their own beam of 16" if line else ""))
lexicon, lexicon_key = lexicon_choice(picked, use_lexicon)

source = st.radio("Ink", ["Draw", "Upload ink"], horizontal=True, key="draw_source", label_visibility="collapsed")
drawing_area(picked, classifier, source, lexicon, (lexicon_key if use_lexicon else None, beam_width,
                                                   None if exact else LEXICON_BUDGET))
