"""Character data: synthetic letters, the UNIPEN writer split, augmentation, caching and seed 000's .npy format."""
import numpy as np
import pytest

from core.data import letters as chardata
from core.data.letters import (
    CharSplits,
    augment_ink,
    char_splits,
    import_npy,
    synthetic_splits,
    unipen_splits,
    writer_split,
)
from core.data.npy import export_npy
from core.data.splits import sort_labels
from core.errors import InputError


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HWLAB_CACHE", str(tmp_path / "cache"))


def _small() -> CharSplits:
    return synthetic_splits(per_class=2, seed=1, n_points=16)


# ---------------------------------------------------------------- synthetic letters

def test_synthetic_splits_are_features18_with_string_labels_of_26_letters():
    s = synthetic_splits(per_class=4, seed=0, n_points=64)
    assert s.sizes() == {"train": 104, "val": 52, "test": 52}
    for split in ("train", "val", "test"):
        assert s.X[split].shape[1:] == (64, 18) and s.X[split].dtype == np.float32
        assert s.y[split].dtype.kind == "U"
    assert s.classes == list("abcdefghijklmnopqrstuvwxyz")
    assert not np.array_equal(s.X["train"][:2], s.X["val"][:2])  # each split has its own renderings


def test_synthetic_letters_are_seeded_and_the_size_option_counts_per_class():
    a, b, c = synthetic_splits(3, 5, 32), synthetic_splits(3, 5, 32), synthetic_splits(3, 6, 32)
    assert np.array_equal(a.X["train"], b.X["train"]) and not np.array_equal(a.X["train"], c.X["train"])
    assert (np.unique(a.y["train"], return_counts=True)[1] == 3).all()


def test_big_synthetic_sets_are_cached_and_a_damaged_cache_is_rebuilt(tmp_path):
    X1, y1 = chardata.synthetic_letters(20, 3, 16)
    files = list((tmp_path / "cache").glob("chars-synthetic-*.npz"))
    assert len(files) == 1
    X2, _ = chardata.synthetic_letters(20, 3, 16)
    assert np.array_equal(X1, X2)
    files[0].write_bytes(b"not an npz file")
    X3, y3 = chardata.synthetic_letters(20, 3, 16)
    assert np.array_equal(X1, X3) and list(y1) == list(y3)


# ---------------------------------------------------------------- writers and augmentation

def test_writer_split_is_stratified_disjoint_and_fixed():
    writers = [f"apb/w{i}" for i in range(40)] + [f"lav/v{i}" for i in range(5)] + ["art/a1", "art/a2", "art/a3"]
    a = writer_split(writers)
    assert a == writer_split(list(reversed(writers)))  # the same for the same writers, in any order
    sets = [set(a[s]) for s in ("train", "val", "test")]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert set().union(*sets) == set(writers)
    for contributor in ("apb", "lav", "art"):  # every contributor has test and training writers
        assert any(w.startswith(contributor) for w in a["test"])
        assert any(w.startswith(contributor) for w in a["train"])
    assert len(a["test"]) == 6 + 1 + 1 and a != writer_split(writers, seed=1)


def test_augment_ink_keeps_the_strokes_and_moves_the_points():
    ink = [np.array([[0.0, 0.0], [0.0, 10.0], [5.0, 10.0]]), np.array([[2.0, 12.0], [2.1, 12.5]])]
    a = augment_ink(ink, np.random.default_rng(0))
    b = augment_ink(ink, np.random.default_rng(0))
    assert [s.shape for s in a] == [s.shape for s in ink]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    moved = max(np.abs(x - y).max() for x, y in zip(a, ink))
    assert 0 < moved < 5  # rotated, slanted and stretched a little, not turned into another shape
    still = augment_ink(ink, np.random.default_rng(0), strength=0.0)
    assert all(np.allclose(x, y) for x, y in zip(still, ink))
    reordered = [augment_ink(ink, np.random.default_rng(k), {"reorder": 1.0}, strength=1.0) for k in range(20)]
    assert any(len(r[0]) == 2 for r in reordered)  # the dot sometimes comes first


@pytest.mark.slow
def test_unipen_letters_are_split_by_writer_with_fixed_test_writers(unipen_root):
    s = unipen_splits(unipen_root)
    assert sum(s.sizes().values()) == 12494 and s.classes == list("abcdefghijklmnopqrstuvwxyz")
    w = s.description["writers"]
    assert len(w["train"]) + len(w["val"]) + len(w["test"]) == 52
    assert not (set(w["train"]) & set(w["test"]) or set(w["val"]) & set(w["test"]) or set(w["train"]) & set(w["val"]))
    for split in ("val", "test"):  # every evaluated letter names its writer, for per-writer results
        assert len(s.writers[split]) == len(s.y[split]) and set(s.writers[split]) == set(w[split])
    grown = unipen_splits(unipen_root, copies=1, synthetic=2, seed=3)
    assert grown.description["writers"] == w  # the training seed never moves a writer
    assert np.array_equal(grown.X["test"], s.X["test"]) and np.array_equal(grown.X["val"], s.X["val"])
    n = s.sizes()["train"]
    assert grown.sizes()["train"] == 2 * n + 52
    assert np.array_equal(grown.y["train"][n:2 * n], s.y["train"])  # a copy keeps its letter's label...
    assert np.array_equal(grown.groups[n:2 * n], np.arange(n))      # ...and its letter's group
    assert not np.array_equal(grown.X["train"][n:2 * n], s.X["train"])
    exact = unipen_splits(unipen_root, copies=1, seed=3, strength=0.0)  # the strength reaches the copies
    assert np.allclose(exact.X["train"][n:], s.X["train"], atol=1e-5)
    fewer = unipen_splits(unipen_root, val_frac=0.05)  # validation writers move into training...
    fw = fewer.description["writers"]
    assert fw["test"] == w["test"] and np.array_equal(fewer.X["test"], s.X["test"])  # ...never test writers
    assert set(fw["val"]) < set(w["val"]) and set(w["train"]) < set(fw["train"])
    with pytest.raises(InputError, match="no validation writer"):
        unipen_splits(unipen_root, val_frac=0.0)


# ---------------------------------------------------------------- seed 000's .npy format

def test_npy_round_trip_keeps_features_and_labels(tmp_path):
    s = _small()
    export_npy(s, tmp_path)
    for split in ("train", "val", "test"):
        assert np.load(tmp_path / f"y_{split}.npy", allow_pickle=False).dtype.kind == "U"
    back = import_npy(tmp_path)
    assert back.classes == s.classes
    for split in ("train", "val", "test"):
        assert np.array_equal(back.X[split], s.X[split]) and list(back.y[split]) == list(s.y[split])


def test_integer_labels_and_other_shapes_are_read_from_the_files(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 12), ("val", 4), ("test", 4)):
        np.save(tmp_path / f"X_{split}.npy", rng.normal(size=(n, 10, 5)))  # float64, T=10, F=5
        np.save(tmp_path / f"y_{split}.npy", np.arange(n) % 12)
    s = import_npy(tmp_path)
    assert s.X["train"].dtype == np.float32 and s.X["train"].shape == (12, 10, 5)
    assert s.classes == [str(i) for i in range(12)]  # numeric order: "2" before "10"
    assert sort_labels(["b", "a"]) == ["a", "b"]


def _bad(folder, name, array):
    export_npy(_small(), folder)
    np.save(folder / f"{name}.npy", array, allow_pickle=True)


@pytest.mark.parametrize("name,array,match", [
    ("X_train", np.zeros((52, 16)), r"shape \(52, 16\).*\(N, T, F\)"),
    ("X_val", np.zeros((0, 16, 18)), "shape"),
    ("X_val", np.full((13, 16, 18), np.nan), "NaN"),
    ("X_test", np.full((13, 16, 18), np.inf), "NaN or infinite"),
    ("X_test", np.full((13, 16, 18), "a"), "dtype"),
    ("X_train", np.zeros((52, 16, 18), dtype=bool), "dtype"),
    ("X_train", np.zeros((52, 16, 18), dtype=complex), "dtype"),
    ("X_test", np.zeros((52, 20, 18), np.float32), "differ in shape"),
    ("y_test", np.array(["a"] * 3), "3 labels but X_test.npy has 52"),
    ("y_val", np.array([["a"]] * 13), "one label per sample"),
    ("y_train", np.zeros(52), "dtype float64; expected strings or integers"),
    ("y_train", np.array(["a"] * 52, dtype=object), "needs pickle"),
    ("y_val", np.array([{"a": 1}] * 13, dtype=object), "needs pickle"),
])
def test_bad_npy_files_are_refused_clearly(tmp_path, name, array, match):
    _bad(tmp_path, name, array)
    with pytest.raises(InputError, match=match):
        import_npy(tmp_path)


def test_a_file_that_needs_pickle_gets_the_way_to_resave_it(tmp_path):
    _bad(tmp_path, "y_train", np.array(["a"] * 52, dtype=object))
    with pytest.raises(InputError) as err:
        import_npy(tmp_path)
    assert "np.save('y_train.npy', y.astype(str))" in str(err.value)


def test_missing_corrupted_and_foreign_files_are_refused(tmp_path):
    export_npy(_small(), tmp_path)
    (tmp_path / "X_val.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(InputError, match="X_val.npy is not a valid .npy file"):
        import_npy(tmp_path)
    (tmp_path / "X_val.npy").unlink()
    with pytest.raises(InputError, match="X_val.npy is missing"):
        import_npy(tmp_path)
    with pytest.raises(InputError, match="not a folder"):
        import_npy(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        export_npy(_small(), tmp_path / "file")


def test_char_splits_names_its_sources(tmp_path):
    export_npy(_small(), tmp_path)
    assert char_splits(f"npy:{tmp_path}").sizes() == {"train": 52, "val": 52, "test": 52}
    for bad in ("seed", "npy:", "mnist"):
        with pytest.raises(InputError, match="unknown character data source"):
            char_splits(bad)
    with pytest.raises(InputError, match="no UNIPEN category 1c"):
        char_splits(f"unipen:{tmp_path}")


def test_the_unipen_cache_follows_content_not_place(tmp_path, unipen_root):
    import shutil

    from core.data.cache import cache_path

    first = chardata._unipen_key(unipen_root)
    copy = tmp_path / "moved"
    shutil.copytree(unipen_root, copy)
    assert chardata._unipen_key(copy) == first  # a moved or copied folder reuses its cache
    letter = next((copy / "data" / "1c").rglob("*.dat"))
    letter.write_bytes(letter.read_bytes() + b"\n")
    assert chardata._unipen_key(copy) != first  # an edited file rebuilds it
    assert cache_path({"kind": "unipen", **first}) != cache_path({"kind": "unipen", **chardata._unipen_key(copy)})
