"""The one read path: ink -> frames -> log-probabilities -> decoders -> a reading.

Every caller that reads ink with a word reader goes through here: the
command line's `decode` and `evaluate`, the trainer's per-epoch
evaluation, and the Draw and Alignment pages.

* `load_reader` rebuilds a reader from its checkpoint (`LoadedReader`);
* `encode_ink` turns ink into the frames of the reader's encoding and
  `read_frames` runs the model on many of them at once;
* `decode` turns one (T, K) matrix into a text and its alternatives with
  one decoder (greedy, prefix beam, lexicon, or lm: a dictionary and a
  word-bigram language model over lines, core.ctc.lm);
* `read` does all of that for one drawing and returns a `Reading`: the
  text of the most informed decoder asked for, every decoder's answer,
  and the confidence of the text it returns.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import numpy as np
import torch

from core.ctc.align import confidence
from core.ctc.beam import beam_decode
from core.ctc.bigram_lm import BigramLM, bigram_lm, word_list_lm
from core.ctc.greedy import greedy_decode
from core.ctc.lexicon import Lexicon, build_lexicon, lexicon_search
from core.ctc.lm import LM_DEFAULTS, LMParams, lm_decode
from core.data.alphabets import BLANK
from core.errors import InputError
from core.ink.encodings import encode
from core.ink.ink import Ink, ink_from_frames, n_points, normalise
from core.ink.io import limit_points
from core.ink.lines import normalise_line
from core.models.checkpoint import load_checkpoint
from core.models.device import model_device
from core.models.reader import ReaderConfig, WordReader, build_reader

DECODERS = ("greedy", "beam", "lexicon", "lm")  # in the order of how much they know: the last one asked for answers
# What `read` runs unless told otherwise (the Draw page): a word reader's decoders; a line reader (its
# alphabet has the space) also runs lm (`read_decoders`).
READ_DECODERS = ("greedy", "beam", "lexicon")
LINE_DECODERS = DECODERS
# A line reader's lexicon decoding: the lm search with every word from the lexicon, no LM, no other word.
# It tries characters down to probability 1e-4 (lm: 1e-3), so a word the ink spells wrongly can still
# reach the list's word; a word costs 2 (no bonus would split words into short list words). Tuned on 100
# validation lines read by reader-text (bench/lm_tune.py): word accuracy 0.497 (bonus 0: 0.417, 2: 0.150).
LEXICON_LINE = LM_DEFAULTS.with_(lm_weight=0.0, word_bonus=-2.0, oov_penalty=float("-inf"), prune=1e-4)
MIN_POINTS = 2
# The Draw page's lexicon search budget (trie nodes): on the 414 real test words it gives the exact
# search's answer for every word, and an unsure drawing costs tens of ms instead of up to a second.
LEXICON_BUDGET = 1000


# ---------------------------------------------------------------- the model

def pad_frames(frames: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero-pad (T_i, C) arrays into a (B, T_max, C) tensor and their lengths."""
    lengths = torch.tensor([len(f) for f in frames], dtype=torch.long)
    x = torch.zeros(len(frames), int(lengths.max()), frames[0].shape[1])
    for i, f in enumerate(frames):
        x[i, :len(f)] = torch.from_numpy(np.ascontiguousarray(f, dtype=np.float32))
    return x, lengths


def encode_ink(config: ReaderConfig, ink: Ink) -> np.ndarray:
    """Ink -> the (T, C) float32 frames the reader reads, in its encoding."""
    frames = encode(ink, config.encoding, config.spacing)
    if len(frames) == 0:
        raise InputError("the ink has no points", "draw or load at least one stroke")
    return frames


# Reading many samples at once: measured on the shipped readers' evaluation sets (one thread), batches of
# 512 samples read 4-8x slower than batches of 16-32 (the padded tensors of hundreds of lines do not stay in
# cache); so a batch holds at most `batch_size` samples and `frame_budget` padded frames.
READ_BATCH, READ_FRAME_BUDGET = 32, 8192


def length_batches(lengths: Sequence[int], batch_size: int = READ_BATCH,
                   frame_budget: int = READ_FRAME_BUDGET) -> list[list[int]]:
    """Indices of samples in batches of similar length: sorted by length, each batch at most `batch_size`
    samples and (samples x its longest) at most `frame_budget` frames (a longer sample goes alone)."""
    batches: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda k: lengths[k]):
        if batches and len(batches[-1]) < batch_size and (len(batches[-1]) + 1) * lengths[i] <= frame_budget:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def read_frames(model: WordReader, frames: Sequence[np.ndarray], batch_size: int = READ_BATCH,
                progress: Callable[[int, int], None] | None = None) -> list[np.ndarray]:
    """(T_i, classes) log-probabilities for each encoded sample: batched, without gradients.

    Samples are sorted by length before batching so that padding (wasted
    work) stays small; the results come back in the input order.
    `progress(done, total)` is called after each batch.
    """
    if len(frames) == 0:
        return []
    was_training = model.training
    model.eval()
    out: list[np.ndarray] = [np.empty(0)] * len(frames)
    done = 0
    try:
        with torch.inference_mode():
            for idx in length_batches([len(f) for f in frames], batch_size):
                x, lengths = pad_frames([frames[i] for i in idx])
                device = model_device(model)
                lp = model(x.to(device), lengths.to(device)).cpu().numpy()
                for row, (i, n) in enumerate(zip(idx, model.output_lengths(lengths).tolist())):
                    out[i] = lp[row, :n]
                done += len(idx)
                if progress:
                    progress(done, len(frames))
    finally:
        model.train(was_training)
    return out


def read_ink(model: WordReader, config: ReaderConfig, ink: Ink) -> np.ndarray:
    """One drawing -> (T, classes) log-probabilities (class 0 is the blank)."""
    return read_frames(model, [encode_ink(config, ink)])[0]


class LoadedReader(NamedTuple):
    """A reader rebuilt from a checkpoint, in eval mode; unpacks as (model, config, alphabet).

    Never train a loaded reader further: caches (the dashboard's) share it.
    """

    model: WordReader
    config: ReaderConfig
    alphabet: list[str]

    def log_probs(self, ink: Ink) -> np.ndarray:
        return read_ink(self.model, self.config, ink)

    def log_probs_batch(self, inks: Sequence[Ink]) -> list[np.ndarray]:
        return read_frames(self.model, [encode_ink(self.config, ink) for ink in inks])

    def read_text(self, ink: Ink, decoder: str = "greedy", lexicon: Sequence[str] | None = None,
                  beam_width: int = 10) -> dict:
        return read_text(self.model, self.config, self.alphabet, ink, decoder, lexicon, beam_width)


def load_reader(ckpt: dict | str | Path) -> LoadedReader:
    """Rebuild (model, config, alphabet) from a reader checkpoint dict, file or folder."""
    if not isinstance(ckpt, dict):
        ckpt = load_checkpoint(ckpt, "reader")
    if ckpt.get("kind") != "reader":
        raise InputError(f"this is a {ckpt.get('kind')} checkpoint, not a reader",
                         "choose a reader checkpoint")
    config = ReaderConfig.from_dict(dict(ckpt["config"]))
    alphabet = list(ckpt["alphabet"])
    if not alphabet or alphabet[0] != BLANK:
        raise InputError("the checkpoint's alphabet does not start with the CTC blank",
                         "the file is not a reader of this tool")
    model = build_reader(config, alphabet)
    try:
        model.load_state_dict(ckpt["state_dict"])
    except (RuntimeError, TypeError, KeyError) as exc:
        raise InputError("the checkpoint's weights do not fit its config",
                         "the file is damaged or was edited; train it again") from exc
    model.eval()
    return LoadedReader(model, config, alphabet)


# ---------------------------------------------------------------- decoding

def decode(log_probs: np.ndarray, alphabet: Sequence[str], decoder: str = "greedy",
           lexicon: Lexicon | Sequence[str] | None = None, beam_width: int = 10, top: int = 5,
           budget: int | None = None, lm: BigramLM | None = None,
           lm_params: LMParams = LM_DEFAULTS) -> tuple[str, list[tuple[str, float]]]:
    """(text, alternatives) of one (T, K) matrix; alternatives are (text, log-probability), best first.

    greedy has no alternatives; beam returns its beam; lexicon the `top`
    words of `lexicon` by exact CTC likelihood (see core.ctc.lexicon), the
    search bounded by `budget` trie nodes if given (None: exact); lm the
    best `top` texts of the dictionary-and-bigram beam search (core.ctc.lm;
    scores add the LM's terms) with `lm` (default: `bigram_lm()`, 20,000
    words) and `lm_params` (its beam is `lm_params.beam`, not `beam_width`).
    A reader without a space reads one word: the dictionary's words by
    their unigram prior, anything else on the out-of-vocabulary path.
    """
    return _decode(log_probs, alphabet, decoder, lexicon, beam_width, top, budget, lm, lm_params)[:2]


def _decode(log_probs, alphabet, decoder, lexicon, beam_width, top, budget, lm=None,
            lm_params=LM_DEFAULTS) -> tuple[str, list, bool]:
    """`decode` and whether its answer is proven best (only a bounded lexicon search may not be)."""
    if decoder == "greedy":
        return greedy_decode(log_probs, alphabet), [], True
    if decoder == "beam":
        if beam_width < 1:
            raise InputError(f"beam width must be at least 1, got {beam_width}")
        alts = beam_decode(log_probs, alphabet, beam_width)
        return (alts[0][0] if alts else ""), alts[:top], True
    if decoder == "lexicon":
        if not lexicon:
            raise InputError("lexicon decoding needs a lexicon", "give a word list, one word per line")
        if " " in alphabet:  # a line reader: every word of the line from the lexicon, spaces between
            words = lexicon.words if isinstance(lexicon, Lexicon) else tuple(lexicon)
            alts = lm_decode(log_probs, alphabet, word_list_lm(tuple(words)), LEXICON_LINE)
            return (alts[0][0] if alts else ""), alts[:top], True
        trie = lexicon if isinstance(lexicon, Lexicon) else build_lexicon(lexicon, alphabet)
        found = lexicon_search(log_probs, alphabet, trie, top=top, budget=budget)
        return (found.words[0][0] if found.words else ""), found.words, found.exact
    if decoder == "lm":
        alts = lm_decode(log_probs, alphabet, lm if lm is not None else bigram_lm(), lm_params)
        return (alts[0][0] if alts else ""), alts[:top], True
    raise InputError(f"unknown decoder {decoder!r}", f"choose one of {', '.join(DECODERS)}")


def decode_all(log_probs: Sequence[np.ndarray], alphabet: Sequence[str], decoder: str = "greedy",
               lexicon: Sequence[str] | None = None, beam_width: int = 10,
               progress: Callable[[int, int], None] | None = None) -> list[str]:
    """The text of every (T, K) matrix with one decoder (the lexicon's trie is built once);
    `progress(done, total)` after each matrix."""
    if decoder == "lexicon" and lexicon:
        lexicon = build_lexicon(lexicon, alphabet)
    texts = []
    for lp in log_probs:
        texts.append(decode(lp, alphabet, decoder, lexicon, beam_width, top=1)[0])
        if progress:
            progress(len(texts), len(log_probs))
    return texts


# ---------------------------------------------------------------- one drawing

@dataclass
class Reading:
    """One drawing read by one reader: the text, every decoder's answer, and what the model saw."""

    text: str                             # the answer of `decoder`
    decoder: str                          # the most informed decoder that ran
    confidence: float                     # per-character CTC probability of `text`
    log_probs: np.ndarray                 # (T, K)
    alphabet: list[str]
    greedy: str
    beam: list[tuple[str, float]]         # empty unless beam decoding ran
    lexicon: list[tuple[str, float]]      # empty unless lexicon decoding ran
    model_ink: Ink                        # the ink as the model sees it (after its encoding)
    n_points: int
    downsampled: bool = False
    argmax: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    lexicon_exact: bool = True            # False: a bounded lexicon search stopped early (best word so far)
    lm: list[tuple[str, float]] = field(default_factory=list)   # empty unless lm decoding ran

    @property
    def best_text(self) -> str:
        return self.text

    @property
    def alternatives(self) -> list[tuple[str, float]]:
        return {"greedy": [], "beam": self.beam, "lexicon": self.lexicon, "lm": self.lm}[self.decoder]

    def as_dict(self) -> dict:
        """{text, decoder, alternatives [{text, log_prob}], confidence, frames, log_probs} (plain values but
        the (T, K) `log_probs`, which the command line drops)."""
        return {"text": self.text, "decoder": self.decoder,
                "alternatives": [{"text": t, "log_prob": float(s)} for t, s in self.alternatives],
                "confidence": self.confidence, "frames": int(self.log_probs.shape[0]), "log_probs": self.log_probs}


def read_text(model: WordReader, config: ReaderConfig, alphabet: Sequence[str], ink: Ink, decoder: str = "greedy",
              lexicon: Sequence[str] | None = None, beam_width: int = 10) -> dict:
    """`read` with one decoder, as a plain dict (`Reading.as_dict`): what `python -m core decode` prints."""
    return read(LoadedReader(model, config, list(alphabet)), ink, lexicon, beam_width, decoders=(decoder,)).as_dict()


def read_decoders(alphabet: Sequence[str]) -> tuple[str, ...]:
    """The decoders `read` runs for a reader of `alphabet`: lm as well for a line reader (it knows the space)."""
    return LINE_DECODERS if " " in alphabet else READ_DECODERS


def check_drawing(ink: Ink) -> Ink:
    """Refuse empty and one-point drawings; downsample huge ones (every stroke kept)."""
    if n_points(ink) < MIN_POINTS:
        raise InputError("the drawing is empty or a single point", "draw a word with at least one stroke")
    return limit_points(ink)


def model_view(ink: Ink, encoding: str, spacing: float, frames: np.ndarray | None = None) -> Ink:
    """The ink as the model reads it (normalised for display): rebuilt from delta frames (`frames`, when the
    caller has encoded them already), levelled and deslanted for graves25, normalised for seed."""
    if encoding in ("delta", "delta-line"):
        return ink_from_frames(encode(ink, encoding, spacing) if frames is None else frames)
    return normalise_line(ink) if encoding == "graves25" else normalise(ink)


def add_decoders(reading: Reading, decoders: Sequence[str], lexicon: Lexicon | Sequence[str] | None = None,
                 beam_width: int = 10, top: int = 5, budget: int | None = None) -> Reading:
    """`reading` with the answers of more `decoders`, decoded from its own log-probabilities (the model does not
    read again: the Draw page shows a line's lm answer first, then adds the other rows). The answer becomes that
    of the most informed decoder that has run; lexicon runs only with a lexicon."""
    asked = [d for d in DECODERS if d in decoders and (d != "lexicon" or lexicon is not None)]
    answers = {d: _decode(reading.log_probs, reading.alphabet, d, lexicon, beam_width, top, budget) for d in asked}
    ran = set(answers) | {reading.decoder} | ({"beam"} if reading.beam else set()) | \
        ({"lexicon"} if reading.lexicon else set()) | ({"lm"} if reading.lm else set())
    chosen = [d for d in DECODERS if d in ran][-1]
    text = answers[chosen][0] if chosen in answers else reading.text
    changes = {"beam": answers["beam"][1]} if "beam" in answers else {}
    if "lexicon" in answers:
        changes |= {"lexicon": answers["lexicon"][1], "lexicon_exact": answers["lexicon"][2]}
    if "lm" in answers:
        changes |= {"lm": answers["lm"][1]}
    if chosen != reading.decoder:
        changes |= {"text": text, "decoder": chosen, "confidence": confidence(reading.log_probs, text,
                                                                              reading.alphabet)}
    return replace(reading, **changes)


def read(reader: LoadedReader, ink: Ink, lexicon: Lexicon | Sequence[str] | None = None, beam_width: int = 10,
         top: int = 5, decoders: Sequence[str] | None = None, budget: int | None = None) -> Reading:
    """Read one drawing with each of `decoders`; the text is the answer of the most informed of them.

    Lexicon decoding runs only when a lexicon is given, unless it is the
    only decoder asked for (then a missing lexicon is an InputError);
    `budget` bounds its search (core.ctc.lexicon.lexicon_search). lm runs
    runs when asked for, or by default for a line reader (with the default bigram LM and `LM_DEFAULTS`);
    `decoders` None: `read_decoders(reader.alphabet)`.
    """
    decoders = read_decoders(reader.alphabet) if decoders is None else decoders
    unknown = [d for d in decoders if d not in DECODERS]
    if unknown or not decoders:
        raise InputError(f"unknown decoder {unknown[0]!r}" if unknown else "no decoder chosen",
                         f"choose from {', '.join(DECODERS)}")
    if lexicon is None and list(decoders) != ["lexicon"]:
        decoders = [d for d in decoders if d != "lexicon"]
    before = n_points(ink)
    ink = check_drawing(ink)
    frames = encode_ink(reader.config, ink)  # once: the model reads them and the page draws them
    lp = read_frames(reader.model, [frames])[0]
    alphabet = list(reader.alphabet)
    answers = {d: _decode(lp, alphabet, d, lexicon, beam_width, top, budget) for d in DECODERS if d in decoders}
    chosen = [d for d in DECODERS if d in answers][-1]
    text = answers[chosen][0]
    greedy = answers["greedy"][0] if "greedy" in answers else greedy_decode(lp, alphabet)
    return Reading(text, chosen, confidence(lp, text, alphabet), lp, alphabet, greedy,
                   answers.get("beam", ("", []))[1], answers.get("lexicon", ("", []))[1],
                   model_view(ink, reader.config.encoding, reader.config.spacing, frames), n_points(ink),
                   n_points(ink) < before, lp.argmax(axis=1), answers.get("lexicon", ("", [], True))[2],
                   answers.get("lm", ("", []))[1])
