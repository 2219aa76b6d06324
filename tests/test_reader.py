"""The word reader's config, presets, model and inference path (core/models/reader.py)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from core.data.alphabets import BLANK, reader_alphabet
from core.data.seed_words import SEED_ALPHABET
from core.errors import InputError
from core.ink.encodings import encode
from core.models.checkpoint import load_checkpoint, make_checkpoint, save_checkpoint
from core.models.inference import decode, encode_ink, load_reader, pad_frames, read_frames, read_ink, read_text
from core.models.reader import PRESETS, ReaderConfig, build_reader, n_parameters, preset
from core.synth.generator import Augment, render_word

ALPHABET = reader_alphabet(SEED_ALPHABET)


def frames_of(word: str, seed: int, cfg: ReaderConfig) -> np.ndarray:
    return encode_ink(cfg, render_word(word, "seed", seed).ink)


# ---------------------------------------------------------------- config


def test_seed_preset_is_seed_001_exactly():
    c = PRESETS["seed"]
    assert (c.encoding, c.hidden, c.layers, c.bidirectional, c.conv_channels) == ("seed", 64, 1, True, 0)
    assert (c.batch_size, c.lr, c.schedule, c.grad_clip, c.epochs, c.repeats) == (1, 5e-3, "constant", 5.0, 25, 6)
    assert (c.holdout_frac, c.eval_repeats, c.cut_fraction, c.cut_warmup, c.dropout) == (0.2, 8, 0.0, 0, 0.0)
    assert c.augment == Augment.seed_style().to_dict() and not c.input_scaling  # raw frames, as the seed


def test_presets_are_replacements_of_the_defaults():
    defaults = ReaderConfig()
    for name, cfg in PRESETS.items():
        assert isinstance(cfg, ReaderConfig)
        changed = {f.name for f in dataclasses.fields(cfg) if getattr(cfg, f.name) != getattr(defaults, f.name)}
        assert name != "seed" or not changed
    # The fast recipe trains only on renderings of in-vocabulary words and their pieces.
    assert PRESETS["fast"].data == "seed" and PRESETS["fast"].holdout_frac == 0.2


def test_unknown_keys_and_bad_values_are_input_errors():
    with pytest.raises(InputError, match="unknown reader option"):
        ReaderConfig.from_dict({"hiddn": 3})
    with pytest.raises(InputError, match="unknown reader option"):
        preset("fast", learning_rate=1.0)
    with pytest.raises(InputError, match="unknown reader preset"):
        preset("huge")
    for bad in ({"layers": 6}, {"hidden": 0}, {"encoding": "raw"}, {"conv_kernel": 4}, {"lr": -1.0},
                {"schedule": "step"}, {"ctc": "cuda"}, {"holdout_frac": 1.0}, {"conv_stride": 2},
                {"hidden": "64"}, {"bidirectional": 1}, {"augment": {"jitter": 9.0}}, {"augment": {"blur": 1.0}}):
        with pytest.raises(InputError):
            ReaderConfig().replace(**bad)


def test_config_round_trips_through_a_plain_dict_and_accepts_an_augment():
    cfg = preset("fast", hidden=24, augment=Augment.seed_style())
    assert ReaderConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.augment == Augment.seed_style().to_dict()
    partial = ReaderConfig(augment={"jitter": 0.02})  # missing keys take the seed style's values
    assert partial.augment == {**Augment.seed_style().to_dict(), "jitter": 0.02}


def test_every_field_has_help_text():
    assert all(f.metadata.get("help") for f in dataclasses.fields(ReaderConfig))


# ---------------------------------------------------------------- model


@pytest.mark.parametrize("over", [{}, {"layers": 2, "dropout": 0.1}, {"bidirectional": False},
                                  {"conv_channels": 8, "conv_stride": 2, "encoding": "delta", "spacing": 0.15}])
def test_output_is_a_log_softmax_over_blank_and_letters(over):
    cfg = preset("tiny", **over)
    model = build_reader(cfg, ALPHABET).eval()
    frames = [frames_of(w, 1, cfg) for w in ("ant", "actin")]
    x, lengths = pad_frames(frames)
    with torch.no_grad():
        lp = model(x, lengths)
    t_out = model.output_lengths(lengths)
    assert lp.shape == (2, int(t_out.max()), len(ALPHABET))
    assert torch.allclose(lp.exp().sum(-1), torch.ones(lp.shape[:2]), atol=1e-5)
    if cfg.conv_stride == 2:
        assert t_out.tolist() == [(len(f) + 1) // 2 for f in frames]


def test_forget_gate_bias_is_one_in_every_direction_and_layer():
    cfg = preset("tiny", layers=2, hidden=12)
    model = build_reader(cfg, ALPHABET)
    h = cfg.hidden
    params = dict(model.lstm.named_parameters())
    for suffix in ("l0", "l0_reverse", "l1", "l1_reverse"):
        total = params[f"bias_ih_{suffix}"] + params[f"bias_hh_{suffix}"]
        assert torch.all(total[h:2 * h] == 1.0)
        assert not torch.all(total[:h] == 1.0)  # only the forget gate


def test_parameter_count_follows_the_config():
    one = n_parameters(build_reader(preset("seed"), ALPHABET))
    # 4 gates x (3 inputs + 64 recurrent + 2 biases) x 64 units x 2 directions, then 128 -> 11.
    assert one == 2 * 4 * 64 * (3 + 64 + 2) + 128 * 11 + 11
    uni = n_parameters(build_reader(preset("seed", bidirectional=False), ALPHABET))
    assert uni == 4 * 64 * (3 + 64 + 2) + 64 * 11 + 11


@pytest.mark.parametrize("over", [{}, {"conv_channels": 8, "conv_stride": 2}, {"conv_channels": 8}])
def test_a_words_output_does_not_depend_on_its_batch(over):
    cfg = preset("tiny", **over)
    torch.manual_seed(0)
    model = build_reader(cfg, ALPHABET)
    model.set_input_stats([0.01, -0.02, 0.0], [0.1, 0.2, 1.0])
    short, long_ = frames_of("ant", 3, cfg), frames_of("matte", 4, cfg)
    alone = read_frames(model, [short])[0]
    batched = read_frames(model, [long_, short, long_])[1]
    np.testing.assert_allclose(alone, batched, atol=1e-5)


def test_unidirectional_reader_does_not_look_ahead():
    cfg = preset("tiny", bidirectional=False, conv_channels=0, conv_stride=1)
    model = build_reader(cfg, ALPHABET)
    f = frames_of("actin", 2, cfg)
    g = f.copy()
    g[20:] += 0.5  # change the future only
    a, b = read_frames(model, [f, g])
    np.testing.assert_allclose(a[:20], b[:20], atol=1e-6)
    assert not np.allclose(a[20:], b[20:])
    bi = build_reader(preset("tiny", conv_channels=0, conv_stride=1), ALPHABET)
    a, b = read_frames(bi, [f, g])
    assert not np.allclose(a[:20], b[:20])


def test_input_scaling_is_part_of_the_weights():
    cfg = preset("tiny")
    model = build_reader(cfg, ALPHABET)
    f = frames_of("lit", 0, cfg)
    before = read_frames(model, [f])[0]
    model.set_input_stats([0.5, 0.5, 0.0], [2.0, 2.0, 1.0])
    assert not np.allclose(before, read_frames(model, [f])[0])
    assert {"in_mean", "in_std"} <= set(model.state_dict())


# ---------------------------------------------------------------- checkpoints and inference


def _saved(tmp_path, cfg):
    torch.manual_seed(1)
    model = build_reader(cfg, ALPHABET)
    model.set_input_stats([0.01, 0.02, 0.0], [0.3, 0.4, 1.0])
    path = tmp_path / "model.pt"
    save_checkpoint(path, make_checkpoint("reader", cfg.to_dict(), ALPHABET, model.state_dict(),
                                          encoding=cfg.encoding))
    return model, path


def test_load_reader_rebuilds_the_same_model(tmp_path):
    cfg = preset("tiny", layers=2, conv_channels=8, conv_stride=2)
    model, path = _saved(tmp_path, cfg)
    ink = render_word("tonic", "seed", 5).ink
    for source in (path, tmp_path, load_checkpoint(path)):
        loaded, config, alphabet = load_reader(source)
        assert config == cfg and alphabet == ALPHABET and alphabet[0] == BLANK and not loaded.training
        np.testing.assert_allclose(read_ink(loaded, config, ink), read_ink(model, cfg, ink), atol=1e-6)


def test_load_reader_refuses_foreign_or_damaged_checkpoints(tmp_path):
    cfg = preset("tiny")
    model, path = _saved(tmp_path, cfg)
    ckpt = load_checkpoint(path)
    with pytest.raises(InputError, match="not a reader"):
        load_reader({**ckpt, "kind": "classifier"})
    with pytest.raises(InputError, match="do not fit"):
        load_reader({**ckpt, "config": cfg.replace(hidden=20).to_dict()})
    with pytest.raises(InputError, match="unknown reader option"):
        load_reader({**ckpt, "config": {**cfg.to_dict(), "wings": 2}})
    with pytest.raises(InputError, match="blank"):
        load_reader({**ckpt, "alphabet": list(SEED_ALPHABET) + ["x"]})
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(InputError):
        load_reader(tmp_path / "bad.pt")


def test_read_ink_is_read_frames_on_the_encoding():
    cfg = preset("tiny")
    model = build_reader(cfg, ALPHABET)
    ink = render_word("lion", "seed", 9).ink
    np.testing.assert_array_equal(read_ink(model, cfg, ink), read_frames(model, [encode(ink, "delta", 0.15)])[0])
    with pytest.raises(InputError):
        read_ink(model, cfg, [])


def test_read_text_and_decode_dispatch():
    cfg = preset("tiny")
    model = build_reader(cfg, ALPHABET)
    ink = render_word("mat", "seed", 2).ink
    out = read_text(model, cfg, ALPHABET, ink, "lexicon", ["mat", "tan", "moon"])
    assert out["text"] in ("mat", "tan", "moon") and out["decoder"] == "lexicon"
    assert [a["text"] for a in out["alternatives"]][0] == out["text"]
    assert out["frames"] == out["log_probs"].shape[0] and 0 < out["confidence"] <= 1
    # A matrix where the answer is clear: frames say blank, m, blank, a, t.
    lp = np.full((5, len(ALPHABET)), np.log(1e-4))
    for t, k in enumerate([0, ALPHABET.index("m"), 0, ALPHABET.index("a"), ALPHABET.index("t")]):
        lp[t, k] = np.log(1 - 1e-4 * (len(ALPHABET) - 1))
    assert decode(lp, ALPHABET, "greedy")[0] == "mat"
    assert decode(lp, ALPHABET, "beam", beam_width=3)[0] == "mat"
    assert decode(lp, ALPHABET, "lexicon", ["tan", "mat"])[0] == "mat"
    with pytest.raises(InputError, match="needs a lexicon"):
        decode(lp, ALPHABET, "lexicon", [])
    with pytest.raises(InputError, match="unknown decoder"):
        decode(lp, ALPHABET, "viterbi")
    with pytest.raises(InputError, match="beam width"):
        decode(lp, ALPHABET, "beam", beam_width=0)


def test_read_text_reports_the_confidence_of_the_text_it_returns():
    # It used to report the greedy text's confidence beside the lexicon's or the beam's word.
    from core.ctc.align import confidence

    torch.manual_seed(3)
    cfg = preset("tiny")
    model = build_reader(cfg, ALPHABET)  # untrained: its greedy reading is not a word of the lexicon
    ink = render_word("mat", "seed", 2).ink
    for decoder, lexicon in (("lexicon", ["mat", "tan", "moon"]), ("beam", None), ("greedy", None)):
        out = read_text(model, cfg, ALPHABET, ink, decoder, lexicon)
        assert out["confidence"] == pytest.approx(confidence(out["log_probs"], out["text"], ALPHABET))
    lex = read_text(model, cfg, ALPHABET, ink, "lexicon", ["mat", "tan", "moon"])
    greedy = read_text(model, cfg, ALPHABET, ink, "greedy")
    assert lex["text"] != greedy["text"] and lex["confidence"] != pytest.approx(greedy["confidence"])


def test_the_device_is_chosen_in_one_place():
    from core.models.device import pick_device

    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="no GPU"):
            pick_device("cuda")
    with pytest.raises(InputError, match="unknown device"):
        pick_device("tpu")


def test_decoders_added_to_a_reading_match_reading_with_them_all():
    """The Draw page reads a line's greedy and lm first, then adds beam and lexicon from the same
    log-probabilities: the result is what one read with every decoder gives."""
    from core.ctc.lexicon import build_lexicon
    from core.models.inference import LoadedReader, add_decoders, read

    cfg = preset("tiny")
    alphabet = ["", *"abcdefghijklmnopqrstuvwxyz "]
    torch.manual_seed(0)
    reader = LoadedReader(build_reader(cfg, alphabet).eval(), cfg, alphabet)
    ink = render_word("tonic", "natural", 3).ink
    lexicon = build_lexicon(["tonic", "atom", "moon", "tonic atom"], alphabet)
    whole = read(reader, ink, lexicon=lexicon)
    first = read(reader, ink, lexicon=lexicon, decoders=("greedy", "lm"))
    assert first.decoder == "lm" and not first.beam and not first.lexicon
    added = add_decoders(first, ("beam", "lexicon"), lexicon)
    assert (added.text, added.decoder, added.beam, added.lexicon, added.lm) == \
        (whole.text, whole.decoder, whole.beam, whole.lexicon, whole.lm)
    assert added.confidence == pytest.approx(whole.confidence)
    lexicon_only = add_decoders(read(reader, ink, decoders=("greedy",)), ("lexicon",), lexicon)
    assert lexicon_only.decoder == "lexicon" and lexicon_only.text == lexicon_only.lexicon[0][0]
