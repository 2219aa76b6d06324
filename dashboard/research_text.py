"""The Research page's answers, written from the shipped sweep results in checkpoints/research/ (see README, Research)."""
DATA_MOVEMENT_TITLE = "How much of a training step's data movement is CTC, and how much BPTT?"

ANSWERS = {
    "bidirectional": (
        "**Yes, the B matters.** With the same recipe and 3 seeds, the unidirectional reader is far worse on "
        "both presets. `fast`: bidirectional in-vocabulary CER 0.000 and held-out CER 0.000 (word accuracy "
        "1.00) against unidirectional 0.166 and 0.243 (word accuracy 0.35). `seed` (seed 001's recipe): "
        "0.067 / 0.624 against 0.714 / 0.832. A forward-only LSTM must name a letter before it has seen "
        "how the letter ends (is this stroke the start of an `n` or of an `m`?), and CTC lets it wait only "
        "as long as its memory holds; the backward direction sees the rest of the word. (The unidirectional "
        "reader has about half the parameters: 20,123 against 39,467 for `fast`; but the next question shows "
        "that 9,579 bidirectional parameters already beat it.)"),
    "hidden": (
        "**16 units per direction are enough to read the vocabulary; 64 to generalise well.** `fast` recipe, "
        "3 seeds, mean final CER (in-vocabulary / held-out): H=4 0.404 / 0.476 (2,595 parameters), "
        "H=8 0.053 / 0.093 (4,667), H=16 0.000 / 0.024 (9,579), H=32 0.000 / 0.018 (22,475), "
        "H=64 0.001 / 0.012 (60,555), H=128 0.000 / 0.000 (185,867). In-vocabulary words are read "
        "without error from H=16 up; held-out words (new combinations of known letters) keep improving "
        "with capacity, and the held-out target of 0.02 is met from H=32 up."),
    "seeds": (
        "**Seed 001's recipe is a lottery; the fast recipe is not.** Seeds 0-9: `seed` reaches in-vocabulary "
        "CER 0.088 on average (std 0.100, best 0.014, worst 0.304 for seed 4) and held-out CER 0.607 "
        "(0.502-0.749), with no held-out word ever right. Seed 001 reported one seed; its 0.082 sits in the "
        "middle of this spread, and a single other seed could have reported 0.30. `fast` reads every "
        "in-vocabulary and every held-out word of all ten seeds: CER 0.000 on both, word accuracy 1.00, "
        "spread zero."),
    "compositional": (
        "**The reader composes words it never saw from letters it knows, and letter cuts make it robust to a "
        "small vocabulary.** `fast` recipe, 3 seeds, held-out CER (word accuracy) as the held-out share of the "
        "47 words grows from 0.1 to 0.6 (from 42 training words down to 19): without cuts 0.000 (1.00), "
        "0.009 (0.97), 0.045 (0.87), 0.063 (0.82); with 70% of each epoch cut at letter boundaries 0.000 "
        "(1.00), 0.000 (1.00), 0.006 (0.98), 0.020 (0.95). Trained on 19 words, the reader with cuts reads "
        "95% of the 28 words it never saw without an error; in-vocabulary CER stays at or below 0.003 "
        "everywhere. Seed 001's held-out CER of 0.65 was its recipe, not a limit of BLSTM+CTC."),
    "timing": (
        "**The 'everything at the end of the word' pattern does not appear; letter cuts tie each letter to its "
        "own ink.** Forced alignment on readers of seed 001's recipe and encoding (one frame per pen point), "
        "all 47 words, 348 letters. The bidirectional reader trained with letter-boundary cuts emits 98.9% of "
        "letters within the frames in which they are drawn, at the letter's first frame (median offset 0). "
        "Without cuts the bidirectional reader emits only 35.6% within the letter: 64% come *before* the "
        "letter is drawn (median 0.85 letter lengths early), read off the whole word through the backward "
        "direction. The unidirectional readers of this recipe hardly learn (in-vocabulary CER 0.68 and 0.81), "
        "so their alignments are forced rather than read (27% within the letter). No reader emits a "
        "non-final letter in the word's last fifth (0% for all four)."),
    "adaptation": (
        "reader-az adapted to N isolated lowercase words of each writer of the test contributors with at least 50 "
        "of them (40 to adapt from, at least 10 to read), then read greedily on the writer's other words and on "
        "200 words of the other writers (what the adaptation costs everybody else). The figures are pooled: all "
        "edits over all letters of a group's words, against the same writers as shipped (N = 0). The writers a "
        "person would adapt for are those the reader reads poorly, at a pooled CER of 0.10 or worse as shipped; "
        "all writers are shown beside them. The recipe (`python -m core adapt`'s and the Collect page's defaults) "
        "was chosen on the validation contributors' writers (below), the test writers were read once. Seconds are "
        "the adaptation's CPU time on one thread, its time on one core whatever else the machine was running."),
    "data-movement": (
        "**In seed 001's setting CTC is 0.04% of a training step's data movement and BPTT 72%.** ByteDMD (an LRU "
        "stack of bytes; a read at depth d costs sqrt(d), writes are free) of one word's step, traced in numpy "
        "with the project's own meter: T = 77 frames, 5 letters (S = 11 CTC states), H = 64, float32. The "
        "forward pass is 27%, the output layer 1.8%; CTC is 0.19% of the FLOPs. The BLSTM rereads its weight slab "
        "every frame at a reuse distance the size of the slab, so its cost grows about linearly in T (and as "
        "H^2.8), BPTT moving 2.7-3.1 times what the forward pass does. CTC's alpha and beta rows are read again "
        "long after they were written (that second pass is 43-51% of CTC's movement), so the price of its bytes "
        "grows with the table and its cost as T^1.34 at "
        "fixed S, S^1.31 at fixed T, T^2.7 along lines where S grows with T.\n\n**For a line reader BPTT "
        "still moves most of the data**: with H = 64 the CTC share is 0.29% at 300 frames, 0.95% at 600, 2.3% at "
        "1,000, 4.5% at 1,500 and 14% at 3,000 (about 200 letters), while BPTT stays at 63-72%; at reader-text's "
        "width (H = 128, 96 classes, 600 frames) CTC is 0.18%. Tracing blocked products that read their vector once "
        "moves 4-8% less in the BLSTM and changes none of this (14.9% at 3,000 frames): the cost is the weight "
        "slab, reread every frame. Extrapolated, CTC would match the whole BLSTM "
        "near 7,000-8,000 frames. In torch's wall time (one thread) CTC takes 5-6% of seed 001's step and 60-68% at "
        "3,000 frames, not because it moves data: torch's CPU ctc_loss costs a steady 47-50 ns per frame and "
        "state (some ten exponentials and logarithms each), linear in T x S; it is arithmetic.\n\nAnd the old "
        "trainer's backward pass, which grew with the square of a line's length, was torch's packed sequences, "
        "not the algorithm: an exact BPTT moves data linearly in T, and the padded trainer measures linear too. "
        "The figures are the full table (`python -m core research data-movement`, about 8 minutes); the button "
        "reruns three small settings here, and the sliders below trace a step of your own (`--setting`)."),
}
