"""Tests for tfimg.data.files (from_directory, from_manifest, ImageFiles) and tfimg.data.split.

Nothing here decodes: files hold placeholder bytes unless a test says otherwise.
"""

import collections
import json

import pytest

from tests.data.hostile import EXPECTED_STATUSES
from tfimg.data import ImageFiles, assign_split, from_directory, from_manifest, hash_fraction


def _touch(root, *relatives):
    for relative in relatives:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"placeholder")


def _write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return path


# --- from_directory ---------------------------------------------------------------------------

@pytest.fixture
def class_folders(tmp_path):
    _touch(tmp_path,
           "dog/b.jpg", "dog/a.PNG", "dog/sub/c.webp", "dog/.hidden.jpg", "dog/notes.txt",
           "dog/.cache/d.jpg", "cat/z.jpeg", "cat/y.gif", "cat/x.bmp", "cat/drawing.svg",
           "bird/only.JPG", "loose.jpg", ".git/objects/e.jpg")
    (tmp_path / "empty_class").mkdir()
    return tmp_path


def test_from_directory_lists_classes_and_images_sorted(class_folders):
    files = from_directory(class_folders)
    assert files.root == str(class_folders)
    assert files.class_names == ("bird", "cat", "dog", "empty_class")
    assert files.paths == ("bird/only.JPG", "cat/x.bmp", "cat/y.gif", "cat/z.jpeg",
                           "dog/a.PNG", "dog/b.jpg", "dog/sub/c.webp")
    assert files.labels == (0, 1, 1, 1, 2, 2, 2)
    assert files.splits is None
    assert len(files) == 7 and files.num_classes == 4
    assert files.class_counts() == [1, 3, 3, 0]
    assert files.full_paths()[0] == str(class_folders / "bird" / "only.JPG")


def test_from_directory_accepts_a_string_root(class_folders):
    assert from_directory(str(class_folders)) == from_directory(class_folders)


def test_from_directory_with_explicit_class_names_keeps_their_order_and_subset(class_folders):
    files = from_directory(class_folders, class_names=["dog", "bird"])
    assert files.class_names == ("dog", "bird")
    assert files.paths == ("dog/a.PNG", "dog/b.jpg", "dog/sub/c.webp", "bird/only.JPG")
    assert files.labels == (0, 0, 0, 1)


def test_from_directory_explicit_class_must_exist(class_folders):
    with pytest.raises(ValueError, match=r"\['fish'\] not found"):
        from_directory(class_folders, class_names=["dog", "fish"])


def test_from_directory_missing_root(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        from_directory(missing)


def test_from_directory_without_class_folders(tmp_path):
    _touch(tmp_path, "loose.jpg", ".hidden/a.jpg")
    with pytest.raises(ValueError, match="No class folders"):
        from_directory(tmp_path)


def test_from_directory_on_the_hostile_folder_lists_image_names_only(hostile_folder):
    files = from_directory(hostile_folder)
    expected = sorted(path for path in EXPECTED_STATUSES
                      if not path.endswith((".svg", ".txt")))
    assert list(files.paths) == expected
    assert files.class_names == ("bad", "good")


# --- from_manifest ----------------------------------------------------------------------------

def test_from_manifest_csv_paths_are_relative_to_the_manifest(tmp_path):
    _touch(tmp_path, "data/images/a.jpg", "data/images/b.jpg", "data/c.jpg")
    manifest = _write(tmp_path / "data" / "labels.csv",
                      "path,label\nimages/a.jpg,dog\nimages/b.jpg,cat\n c.jpg , dog \n")
    files = from_manifest(manifest)
    assert files.root == str(tmp_path / "data")
    assert files.paths == ("images/a.jpg", "images/b.jpg", "c.jpg")
    assert files.class_names == ("cat", "dog")
    assert files.labels == (1, 0, 1)
    assert files.splits is None
    assert all((tmp_path / "data" / path).is_file() for path in files.paths)


def test_from_manifest_tsv_and_jsonl_give_the_same_files(tmp_path):
    rows = [("a.jpg", "dog"), ("b.jpg", "cat"), ("c d.jpg", "dog")]
    csv_text = "path,label\n" + "".join(f"{p},{label}\n" for p, label in rows)
    tsv_text = "path\tlabel\n" + "".join(f"{p}\t{label}\n" for p, label in rows)
    jsonl_text = "".join(json.dumps({"path": p, "label": label}) + "\n\n" for p, label in rows)
    results = [from_manifest(_write(tmp_path / name, text)) for name, text in
               [("m.csv", csv_text), ("m.tsv", tsv_text), ("m.jsonl", jsonl_text),
                ("m.ndjson", jsonl_text)]]
    for files in results:
        assert (files.paths, files.labels, files.class_names) == (
            ("a.jpg", "b.jpg", "c d.jpg"), (1, 0, 1), ("cat", "dog"))


def test_from_manifest_sorts_numeric_labels_numerically(tmp_path):
    lines = [{"path": f"{i}.jpg", "label": label} for i, label in enumerate([10, 2, 0, 2, -1])]
    manifest = _write(tmp_path / "m.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    files = from_manifest(manifest)
    assert files.class_names == ("-1", "0", "2", "10")  # Not "-1", "0", "10", "2".
    assert files.labels == (3, 2, 1, 2, 0)


def test_from_manifest_sorts_mixed_labels_as_text(tmp_path):
    manifest = _write(tmp_path / "m.csv", "path,label\na.jpg,10\nb.jpg,2\nc.jpg,b2\n")
    assert from_manifest(manifest).class_names == ("10", "2", "b2")


def test_from_manifest_explicit_class_names(tmp_path):
    manifest = _write(tmp_path / "m.csv", "path,label\na.jpg,dog\nb.jpg,cat\n")
    files = from_manifest(manifest, class_names=["dog", "cat", "bird"])
    assert files.class_names == ("dog", "cat", "bird")
    assert files.labels == (0, 1)
    with pytest.raises(ValueError, match=r"labels \['cat'\] not in class_names"):
        from_manifest(manifest, class_names=["dog"])


def test_from_manifest_split_column_is_respected(tmp_path):
    manifest = _write(tmp_path / "m.csv", "path,label,split\na.jpg,dog,train\n"
                      "b.jpg,cat,validation\nc.jpg,dog,test\nd.jpg,cat,\n")
    files = from_manifest(manifest)
    assert files.splits == ("train", "validation", "test", "train")  # Empty means train.
    # The manifest's column wins over the fractions.
    splits = files.split(validation=0.0, test=0.0)
    assert {name: part.paths for name, part in splits.items()} == {
        "train": ("a.jpg", "d.jpg"), "validation": ("b.jpg",), "test": ("c.jpg",)}
    assert splits["validation"].labels == (0,) and splits["validation"].class_names == (
        "cat", "dog")


@pytest.mark.parametrize("name, text, message", [
    ("m.csv", "path,label\na.jpg,dog\nb.jpg,\n", r"m\.csv:3: missing field 'label'"),
    ("m.csv", "path,label\na.jpg,dog\n,cat\n", r"m\.csv:3: missing field 'path'"),
    ("m.csv", "file,label\na.jpg,dog\n", r"m\.csv:2: missing field 'path'"),
    ("m.tsv", "path\tlabel\tsplit\na.jpg\tdog\tval\n",
     r"m\.tsv:2: split 'val' is not one of \('train', 'validation', 'test'\)"),
    ("m.jsonl", '{"path": "a.jpg", "label": "dog"}\n\n{"path": "b.jpg", "label": \n',
     r"m\.jsonl:3: invalid JSON"),
    ("m.jsonl", '{"path": "a.jpg", "label": "dog"}\n["b.jpg", "cat"]\n',
     r"m\.jsonl:2: expected an object"),
    ("m.jsonl", '{"path": "a.jpg"}\n', r"m\.jsonl:1: missing field 'label'"),
    ("m.csv", "path,label\n", r"lists no images"),
    ("m.txt", "path,label\na.jpg,dog\n", r"\.csv, \.tsv, \.jsonl or \.ndjson, received .*m\.txt"),
])
def test_from_manifest_errors_name_the_file_and_line(tmp_path, name, text, message):
    with pytest.raises(ValueError, match=message):
        from_manifest(_write(tmp_path / name, text))


def test_from_manifest_reads_a_csv_with_a_byte_order_mark(tmp_path):
    manifest = _write(tmp_path / "m.csv", "\ufeffpath,label\na.jpg,dog\n")
    assert from_manifest(manifest).paths == ("a.jpg",)


def test_image_files_needs_one_label_per_path():
    with pytest.raises(ValueError, match="2 paths and 1 labels"):
        ImageFiles("root", ("a.jpg", "b.jpg"), (0,), ("cat",))


# --- split ------------------------------------------------------------------------------------

def _synthetic(count, offset=0):
    paths = tuple(f"class{i % 7}/image_{i:06d}.jpg" for i in range(offset, offset + count))
    return ImageFiles("root", paths, tuple(i % 7 for i in range(offset, offset + count)),
                      tuple(f"class{i}" for i in range(7)))


def test_hash_fraction_is_stable_golden():
    # int.from_bytes(sha256(key)[:8], "big") / 2**64; the same on every machine and run:
    # sha256(b"cat/0001.jpg") starts with b6ec7301b471acbb.
    assert hash_fraction("cat/0001.jpg") == pytest.approx(0xB6EC7301B471ACBB / 2 ** 64, abs=0)
    assert hash_fraction("cat/0001.jpg") == pytest.approx(0.7145454291498428, abs=1e-15)
    assert 0.0 <= hash_fraction("") < 1.0


def test_split_fractions_are_respected_on_10k_paths():
    files = _synthetic(10_000)
    splits = files.split(validation=0.2, test=0.1)
    sizes = {name: len(part) for name, part in splits.items()}
    assert sum(sizes.values()) == 10_000
    # Binomial: one standard deviation is at most sqrt(10000 * 0.25) = 50 files; allow 4.
    for name, fraction in (("train", 0.7), ("validation", 0.2), ("test", 0.1)):
        assert abs(sizes[name] - 10_000 * fraction) < 200, sizes
    every = sorted(path for part in splits.values() for path in part.paths)
    assert every == sorted(files.paths)  # Disjoint and complete.
    for part in splits.values():
        assert all(part.class_names[label] == path.split("/")[0]
                   for path, label in zip(part.paths, part.labels))


def test_adding_files_never_moves_existing_ones():
    before = _synthetic(2_000).split(validation=0.2, test=0.1)
    after = _synthetic(5_000).split(validation=0.2, test=0.1)
    for name in before:
        assert set(before[name].paths) <= set(after[name].paths), name


def test_test_takes_the_lowest_fractions_and_growing_validation_never_moves_test():
    paths = _synthetic(3_000).paths
    for path in paths:
        fraction = hash_fraction(path)
        expected = "test" if fraction < 0.1 else "validation" if fraction < 0.3 else "train"
        assert assign_split(path, validation=0.2, test=0.1) == expected
    small = {p: assign_split(p, validation=0.1, test=0.1) for p in paths}
    large = {p: assign_split(p, validation=0.3, test=0.1) for p in paths}
    assert {p for p in paths if small[p] == "test"} == {p for p in paths if large[p] == "test"}
    assert {p for p in paths if small[p] == "validation"} <= {
        p for p in paths if large[p] == "validation"}


@pytest.mark.parametrize("validation, test", [(1.0, 0.0), (-0.1, 0.0), (0.0, 1.5), (0.6, 0.4)])
def test_split_rejects_bad_fractions(validation, test):
    with pytest.raises(ValueError, match="fraction|validation \\+ test"):
        assign_split("a.jpg", validation, test)
    with pytest.raises(ValueError):
        _synthetic(3).split(validation, test)


# --- class weights ----------------------------------------------------------------------------

def test_class_weights_balance_the_classes():
    files = ImageFiles("root", tuple(f"{i}.jpg" for i in range(8)), (0, 0, 0, 0, 0, 0, 1, 1),
                       ("many", "few", "none"))
    weights = files.class_weights()
    # n / (num_classes * count): 8 / (3 * 6), 8 / (3 * 2); a class without files gets 0.
    assert weights == pytest.approx({0: 8 / 18, 1: 8 / 6, 2: 0.0})
    counts = collections.Counter(files.labels)
    # Weighted, every present class carries the same total: n / num_classes.
    for label, count in counts.items():
        assert weights[label] * count == pytest.approx(8 / 3)
