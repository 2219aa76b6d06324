"""The lab's own words, said plainly once: pages show them as help icons or captions where a term first appears."""
from __future__ import annotations

TERMS = {
    "seed 000": "Seed 000 is the notebook this lab's character classifier comes from: a CNN-BiLSTM that names one "
                "letter from 18 numbers per pen point, with its data as X_train.npy / y_train.npy files "
                "(and _val, _test).",
    "seed 001": "Seed 001 is the prototype this lab's word reader comes from: a bidirectional LSTM with CTC that "
                "reads words of ten letters (c o l t i n m a e u). Its protocol, kept exactly so results compare, "
                "trains on 38 of its 47 words and tests on all 47.",
    "invocab": "In-vocabulary (invocab in files and charts): fresh renderings of words the reader trained on; for "
               "the a-z readers, words composed from the training writers' letters.",
    "heldout": "Held-out (heldout in files and charts): samples of writers the reader never trained on, which "
               "choose its best epoch. A reader trained on the training corpus holds out the validation "
               "contributors' samples (and is tested on the test contributors', labs no split trained on); one "
               "trained on the small UNIPEN subset holds out contributor art's words. The model's description "
               "says which.",
    "features18": "features18: the 18 numbers per pen point the character classifier reads: position, pen "
                  "movement, pen up, writing direction, curvature, the shape of the neighbourhood, and where the "
                  "point lies in its stroke and in the letter.",
    "art": "art, apb and lav are UNIPEN contributor codes: the institutions that gave UNIPEN their writers' "
           "handwriting. In the small subset the tests use, the 3 writers of art are kept out of training (its "
           "test set); readers of the whole training corpus hold out other contributors instead.",
}


def explain(*terms: str) -> str:
    """The plain-words explanation of each term, one paragraph each (for a help icon or a caption)."""
    return "\n\n".join(TERMS[t] for t in terms)
