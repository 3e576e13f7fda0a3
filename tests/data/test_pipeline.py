"""Tests for tfimg.data.pipeline.build_pipeline over every source kind.

Building a pipeline traces its decode functions (about 2 s on a small CPU) and each epoch starts
a fresh iterator (about 1 s), so tests share built pipelines through module fixtures, and some
tests check a normalisation mode on the way (each says so).
"""

import dataclasses
import os
import shutil
import time

import keras
import numpy as np
import pytest
from PIL import Image

from tests.data.samples import epoch
from tests.tolerances import assert_close_to_reference, assert_same_program
from tfimg.data import (PipelineConfig, build_pipeline, from_directory,
                        from_manifest, from_tfds, from_tfrecords, write_tfrecords)
from tfimg.data import tfds_source
from tfimg.ops import resize

BATCH_SIZE = 16


def _content_order(images):
    """Indices that sort images by their bytes: compares orderless sets of images."""
    return sorted(range(len(images)), key=lambda i: np.asarray(images[i]).tobytes())


def _pil_decode(path, mode="RGB"):
    with Image.open(path) as image:
        if mode == "L":
            image.draft("L", image.size)  # libjpeg's luma plane, as decode_jpeg(channels=1).
        return np.asarray(image.convert(mode))


def _to_uint8(image):
    return np.clip(np.round(np.asarray(image)), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def files(cifar_folder):
    return from_directory(cifar_folder)


@pytest.fixture(scope="module")
def reference(files):
    """uint8 [60, 32, 32, 3] as PIL decodes the files (32x32 JPEGs: no resize needed)."""
    return np.stack([_pil_decode(path) for path in files.full_paths()])


@pytest.fixture(scope="module")
def directory_run(files):
    """(pipeline, images, labels, batch sizes): class folders, no shuffle, normalize "none"."""
    pipeline = build_pipeline(files, image_size=(32, 32), batch_size=BATCH_SIZE,
                              normalize="none")
    return (pipeline, *epoch(pipeline))


# --- sources ----------------------------------------------------------------------------------

def test_directory_pipeline_equals_pil_decode(files, reference, directory_run):
    pipeline, images, labels, sizes = directory_run
    # JPEG decoded with the accurate integer IDCT, same size, no normalisation: exact.
    np.testing.assert_array_equal(images, reference.astype(np.float32))
    np.testing.assert_array_equal(labels, files.labels)
    assert sizes == [16, 16, 16, 12]
    assert pipeline.class_names == ("airplane", "automobile", "bird")
    assert pipeline.num_examples == 60 and pipeline.steps_per_epoch == 4
    assert pipeline.skipped() == []


@pytest.mark.slow
def test_manifest_and_tfrecords_give_the_same_images_and_labels(files, directory_run, tmp_path):
    _, images, labels, _ = directory_run
    # A manifest in another folder, paths relative to it ("../..."), same order as the folders.
    manifest = tmp_path / "lists" / "train.csv"
    manifest.parent.mkdir()
    rows = [f"{os.path.relpath(path, manifest.parent)},{files.class_names[label]}"
            for path, label in zip(files.full_paths(), files.labels)]
    manifest.write_text("path,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    # One shard keeps the file order.
    write_tfrecords(files, tmp_path / "records", "cifar", "train", num_shards=1)
    sources = {"manifest": from_manifest(manifest),
               "tfrecords": from_tfrecords(tmp_path / "records", "cifar", "train")}
    for name, source in sources.items():
        pipeline = build_pipeline(source, image_size=(32, 32), batch_size=BATCH_SIZE,
                                  normalize="none")
        source_images, source_labels, _ = epoch(pipeline)
        np.testing.assert_array_equal(source_images, images, err_msg=name)
        np.testing.assert_array_equal(source_labels, labels, err_msg=name)
        assert pipeline.class_names == files.class_names, name
        assert pipeline.skipped() == [], name


def test_standardized_pipeline_matches_pil_and_numpy(files, reference):
    pipeline = build_pipeline(files, image_size=(32, 32), batch_size=BATCH_SIZE,
                              normalize="standardize")
    images, labels, _ = epoch(pipeline)
    pixels = reference.astype(np.float64)
    mean = pixels.mean(axis=(1, 2, 3), keepdims=True)
    deviation = np.maximum(pixels.std(axis=(1, 2, 3), keepdims=True), 1 / np.sqrt(32 * 32 * 3))
    assert_close_to_reference(images, (pixels - mean) / deviation)
    np.testing.assert_array_equal(labels, files.labels)


def test_chunks_normalised_as_decoded_equal_batches_normalised_at_the_end(files):
    # Without a cache or augmentation, chunks are standardised as soon as they are decoded;
    # through the memory cache, whole batches are, after it. Per image, the same program.
    settings = dict(image_size=(32, 32), batch_size=BATCH_SIZE, normalize="standardize")
    by_chunk, chunk_labels, sizes = epoch(build_pipeline(files, **settings))
    by_batch, batch_labels, _ = epoch(build_pipeline(files, cache="memory", **settings))
    assert sizes == [16, 16, 16, 12]
    assert_same_program(by_chunk, by_batch)
    np.testing.assert_array_equal(chunk_labels, batch_labels)


# --- order, shuffling and caching -------------------------------------------------------------

@pytest.mark.slow
def test_shuffle_with_a_seed_is_reproducible_and_reshuffles_each_epoch(files, directory_run):
    _, images, labels, _ = directory_run
    # deterministic=True (the default) keeps chunks in order; with False, chunks decoded in
    # parallel may overtake each other and the same seed need not repeat the order.
    config = PipelineConfig(image_size=(32, 32), batch_size=BATCH_SIZE, normalize="none",
                            shuffle=True, seed=7, chunk_size=8, deterministic=True)
    first = build_pipeline(files, config)
    epoch_1, labels_1, _ = epoch(first)
    epoch_2, labels_2, _ = epoch(first)
    again, labels_again, _ = epoch(build_pipeline(files, config))
    np.testing.assert_array_equal(again, epoch_1)
    np.testing.assert_array_equal(labels_again, labels_1)
    assert not np.array_equal(epoch_1, epoch_2)
    assert not np.array_equal(epoch_1, images)
    for shuffled, shuffled_labels in ((epoch_1, labels_1), (epoch_2, labels_2)):
        order = _content_order(shuffled)
        expected = _content_order(images)
        np.testing.assert_array_equal(shuffled[order], images[expected])
        np.testing.assert_array_equal(shuffled_labels[order], labels[expected])


@pytest.mark.slow
def test_memory_cache_gives_the_same_images_every_epoch(files, reference):
    # Also checks normalize="symmetric": x / 127.5 - 1, in [-1, 1].
    pipeline = build_pipeline(files, image_size=(32, 32), batch_size=BATCH_SIZE,
                              normalize="symmetric", cache="memory", shuffle=True, seed=3)
    epochs = [epoch(pipeline) for _ in range(2)]
    expected = reference.astype(np.float32) / 127.5 - 1
    for images, labels, _ in epochs:
        assert images.min() >= -1.0 and images.max() <= 1.0
        order = _content_order(_to_uint8((images + 1) * 127.5))
        expected_order = _content_order(reference)
        assert_close_to_reference(images[order], expected[expected_order])
        np.testing.assert_array_equal(labels[order], np.array(files.labels)[expected_order])
    assert not np.array_equal(epochs[0][1], epochs[1][1])  # Reshuffled after the cache.


@pytest.mark.slow
def test_file_cache_is_written_and_read_back(files, reference, tmp_path):
    # Also checks normalize="unit": x / 255, in [0, 1].
    prefix = tmp_path / "cache" / "decoded"
    prefix.parent.mkdir()
    pipeline = build_pipeline(files, image_size=(32, 32), batch_size=BATCH_SIZE,
                              normalize="unit", cache=str(prefix))
    first, labels, _ = epoch(pipeline)
    assert any(name.startswith("decoded") and name.endswith(".index")
               for name in os.listdir(prefix.parent))
    assert_close_to_reference(first, reference / 255.0)
    assert first.min() >= 0.0 and first.max() <= 1.0
    second, second_labels, _ = epoch(pipeline)
    np.testing.assert_array_equal(second, first)
    np.testing.assert_array_equal(second_labels, labels)


# --- augmentation, normalisation, channels, sizes ---------------------------------------------

def test_augment_with_random_flip_flips_some_images_and_keeps_shapes(files, reference):
    # Also checks normalize="caffe" (BGR minus the ImageNet means), applied after the flip.
    pipeline = build_pipeline(files, image_size=(32, 32), batch_size=BATCH_SIZE,
                              normalize="caffe", training=True,
                              augment=(keras.layers.RandomFlip("horizontal", seed=1),))
    images, labels, sizes = epoch(pipeline)
    assert images.shape == (60, 32, 32, 3) and sizes == [16, 16, 16, 12]
    np.testing.assert_array_equal(labels, files.labels)
    plain = keras.applications.resnet50.preprocess_input(reference.astype(np.float32))
    mirrored = plain[:, :, ::-1]
    flipped = [np.allclose(image, mirror, atol=1e-4) for image, mirror in zip(images, mirrored)]
    unflipped = [np.allclose(image, same, atol=1e-4) for image, same in zip(images, plain)]
    assert all(a or b for a, b in zip(flipped, unflipped))  # Each is itself or its mirror.
    assert 0 < sum(flipped) < 60 and 0 < sum(unflipped) < 60


def test_grayscale_pipeline_with_crop(files):
    # channels=1 and resize_mode="crop" in one build: 32x32 -> the centred 19x32 window, scaled
    # to 24x40. Same uint8 luma in, same resize op: exact.
    pipeline = build_pipeline(files, image_size=(24, 40), batch_size=BATCH_SIZE,
                              normalize="none", channels=1, resize_mode="crop")
    images, labels, _ = epoch(pipeline)
    assert images.shape == (60, 24, 40, 1)
    luma = np.stack([_pil_decode(path, "L") for path in files.full_paths()])[..., None]
    np.testing.assert_array_equal(images, _to_uint8(resize(luma, (24, 40), mode="crop")))
    np.testing.assert_array_equal(labels, files.labels)


def test_pad_and_drop_remainder(files, reference):
    pipeline = build_pipeline(files, image_size=(24, 40), batch_size=BATCH_SIZE,
                              normalize="none", resize_mode="pad", drop_remainder=True)
    images, labels, sizes = epoch(pipeline)
    assert sizes == [16, 16, 16] and pipeline.steps_per_epoch == 3
    assert images.shape == (48, 24, 40, 3)
    np.testing.assert_array_equal(labels, files.labels[:48])
    # A shrink on both axes: the default antialias="auto" averages areas.
    expected = _to_uint8(resize(reference[:48], (24, 40), mode="pad", method="area"))
    np.testing.assert_array_equal(images, expected.astype(np.float32))
    # 32x32 fits as 24x24: 8 columns of zeros on each side.
    assert not images[:, :, :8].any() and not images[:, :, 32:].any()
    assert images[:, :, 8:32].any(axis=(1, 2, 3)).all()


# --- files that fail to decode ----------------------------------------------------------------

@pytest.fixture(scope="module")
def broken_folder(cifar_folder, hostile_folder, tmp_path_factory):
    """Two classes of CIFAR JPEGs plus a truncated JPEG and a text file named .jpg."""
    root = tmp_path_factory.mktemp("broken")
    for class_name, source_class, count in (("a", "airplane", 4), ("b", "automobile", 3)):
        (root / class_name).mkdir()
        for source in sorted((cifar_folder / source_class).iterdir())[:count]:
            shutil.copy(source, root / class_name / f"{class_name}{source.name}")
    shutil.copy(hostile_folder / "bad" / "truncated.jpg", root / "a" / "truncated.jpg")
    (root / "b" / "notes.jpg").write_text("not a picture\n")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("chunk_size", [64, 4, 1])
def test_skipped_names_exactly_the_bad_files_and_the_good_ones_still_arrive(broken_folder,
                                                                            chunk_size):
    files = from_directory(broken_folder)
    good = [i for i, path in enumerate(files.paths) if "truncated" not in path
            and "notes" not in path]
    # 64 > number of files: the bad files share their chunk with every good one; 4: good and
    # bad chunks mix; 1: every file is its own chunk.
    pipeline = build_pipeline(files, image_size=(32, 32), batch_size=4, normalize="none",
                              chunk_size=chunk_size)
    for _ in range(2):  # The marks are reset each epoch.
        images, labels, _ = epoch(pipeline)
        assert pipeline.skipped() == ["a/truncated.jpg", "b/notes.jpg"]
        expected = np.stack([_pil_decode(files.full_paths()[i]) for i in good])
        order, expected_order = _content_order(images.astype(np.uint8)), _content_order(expected)
        np.testing.assert_array_equal(images[order], expected[expected_order].astype(np.float32))
        np.testing.assert_array_equal(labels[order],
                                      np.array(files.labels)[good][expected_order])


def test_an_abandoned_epoch_leaves_no_marks_for_the_next(broken_folder):
    # Most chunks of a shuffled epoch are decoded and marked, then the epoch is dropped. The
    # next epoch, in another order, starts from cleared marks: the good files that now share a
    # chunk with a bad one are retried (a stale mark would lose them), and only the bad files
    # are skipped and named.
    files = from_directory(broken_folder)
    pipeline = build_pipeline(files, image_size=(32, 32), batch_size=2, normalize="none",
                              chunk_size=3, shuffle=True)
    for _, _ in zip(range(3), pipeline.dataset):
        pass
    _, labels, _ = epoch(pipeline)
    assert pipeline.skipped() == ["a/truncated.jpg", "b/notes.jpg"]
    assert len(labels) == len(files) - 2


def test_skipped_records_are_named_by_index(broken_folder, tmp_path):
    files = from_directory(broken_folder)
    write_tfrecords(files, tmp_path, "broken", "train", num_shards=1)
    pipeline = build_pipeline(from_tfrecords(tmp_path, "broken", "train"), image_size=(32, 32),
                              batch_size=4, normalize="none")
    images, _, _ = epoch(pipeline)
    assert len(images) == len(files) - 2
    bad = [i for i, path in enumerate(files.paths) if "truncated" in path or "notes" in path]
    assert pipeline.skipped() == [f"record {i}" for i in bad]


def test_skipped_is_empty_before_any_full_epoch(cifar_folder):
    files = from_directory(cifar_folder, class_names=["bird"])
    pipeline = build_pipeline(files, image_size=(32, 32), batch_size=4, normalize="none")
    assert pipeline.skipped() == []
    next(iter(pipeline.dataset))
    assert pipeline.skipped() == []


# --- tensorflow-datasets ----------------------------------------------------------------------

CIFAR10_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                 "ship", "truck")


@pytest.fixture(scope="module")
def tfds_metadata(tmp_path_factory):
    """A data_dir holding only dataset_info.json for mnist and cifar10 (8 train examples each).

    tfds.testing.mock_data generates the examples, but without metadata files (the pip package
    does not ship them) it falls back to MockPolicy.USE_CODE, where `info.splits` is empty, and
    len(source) raises KeyError. The metadata is written from the builders' own code-defined
    info; cifar10's label names are only known after a download, so they are set here.
    """
    tfds = pytest.importorskip("tensorflow_datasets")
    data_dir = tmp_path_factory.mktemp("tfds")
    for name in ("mnist", "cifar10"):
        builder = tfds.builder(name, data_dir=str(data_dir))
        if name == "cifar10":
            builder.info.features["label"].names = list(CIFAR10_NAMES)
        template = tfds.core.ShardedFileTemplate(
            data_dir=builder.data_dir, template="{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}",
            dataset_name=name, split="train", filetype_suffix="tfrecord")
        builder.info.set_splits(tfds.core.SplitDict([tfds.core.SplitInfo(
            name="train", shard_lengths=[8], num_bytes=0, filename_template=template)]))
        os.makedirs(builder.data_dir, exist_ok=True)
        builder.info.features.save_metadata(builder.data_dir)
        builder.info.write_to_directory(builder.data_dir)
    return tfds, str(data_dir)


@pytest.mark.parametrize("name, class_names", [
    ("mnist", tuple(str(i) for i in range(10))), ("cifar10", CIFAR10_NAMES)])
def test_tfds_source_through_mock_data(tfds_metadata, name, class_names):
    tfds, data_dir = tfds_metadata
    with tfds.testing.mock_data(num_examples=8, policy=tfds.testing.MockPolicy.USE_FILES,
                                data_dir=data_dir):
        source = from_tfds(name, split="train", download=False)
        assert len(source) == 8
        assert source.class_names == class_names
        # mnist: 28x28x1 -> RGB, resized to 32x32; cifar10: already 32x32x3.
        pipeline = build_pipeline(source, image_size=(32, 32), channels=3, batch_size=4,
                                  normalize="none")
        images, labels, sizes = epoch(pipeline)
    assert sizes == [4, 4] and images.shape == (8, 32, 32, 3)
    assert pipeline.num_examples == 8 and pipeline.class_names == class_names
    assert ((labels >= 0) & (labels < 10)).all()
    assert images.min() >= 0 and images.max() <= 255 and images.std() > 0
    np.testing.assert_array_equal(images, np.round(images))  # uint8 values before normalising.
    if name == "mnist":
        np.testing.assert_array_equal(images[..., 0], images[..., 1])
        np.testing.assert_array_equal(images[..., 0], images[..., 2])
    assert pipeline.skipped() == []


def test_tfds_not_prepared_is_one_clear_error(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    source = from_tfds("mnist", split="train", data_dir=str(tmp_path), download=False)
    with pytest.raises(ValueError, match=r"'mnist' is not prepared in .*\(--data DIR\)"):
        len(source)


def test_tfds_offline_fails_within_seconds(tmp_path, monkeypatch):
    # Offline: the host tfds downloads from does not resolve (.invalid never does, RFC 2606);
    # tfds' own retries would take minutes.
    pytest.importorskip("tensorflow_datasets")
    monkeypatch.setattr(tfds_source, "TFDS_HOST", "tfds-host.invalid")
    source = from_tfds("cifar10", split="train", data_dir=str(tmp_path))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"'cifar10' .* cannot resolve tfds-host.invalid .*--data"):
        source.images()
    assert time.perf_counter() - start < tfds_source.RESOLVE_SECONDS + 5
    assert not list(tmp_path.rglob("*.tfrecord*"))


def test_tfds_unknown_name_is_a_value_error():
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(ValueError, match="no dataset 'no_such_dataset'"):
        len(from_tfds("no_such_dataset"))


# --- configuration errors ---------------------------------------------------------------------

@pytest.mark.parametrize("overrides, message", [
    ({"image_size": (0, 32)}, "image_size"),
    ({"image_size": (32, 32, 3)}, "image_size"),
    ({"channels": 4}, "channels in \\(1, 3\\), received 4"),
    ({"resize_mode": "fill"}, "resize_mode .* received 'fill'"),
    ({"normalize": "imagenet"}, "normalize .* received 'imagenet'"),
    ({"antialias": "yes"}, "antialias in \\(True, False, 'auto'\\), received 'yes'"),
    ({"antialias": 1}, "antialias .* received 1"),
    ({"batch_size": 0}, "batch_size > 0, received 0"),
    ({"chunk_size": -1}, "chunk_size > 0, received -1"),
])
def test_bad_configuration_is_rejected(files, overrides, message):
    with pytest.raises(ValueError, match=message):
        build_pipeline(files, **overrides)


def test_int_image_size_means_square():
    assert PipelineConfig(image_size=64).image_size == (64, 64)


def test_unknown_source_and_empty_files_are_rejected(files):
    with pytest.raises(TypeError, match="received list"):
        build_pipeline(["a.jpg"])
    with pytest.raises(ValueError, match="No images"):
        build_pipeline(files.subset([]))


def test_chunk_size_follows_the_image_size_unless_given():
    assert PipelineConfig(image_size=32).files_per_chunk == 256
    assert PipelineConfig(image_size=64).files_per_chunk == 64
    assert PipelineConfig(image_size=128).files_per_chunk == 16
    assert PipelineConfig(image_size=224).files_per_chunk == 1
    # Replacing the size (as build_pipeline's overrides do) picks the chunk for the new size.
    resized = dataclasses.replace(PipelineConfig(image_size=224), image_size=(32, 32))
    assert resized.files_per_chunk == 256
    assert PipelineConfig(image_size=32, chunk_size=5).files_per_chunk == 5


def test_overrides_replace_fields_of_the_given_config(files):
    config = PipelineConfig(image_size=(8, 8), batch_size=4)
    with pytest.raises(ValueError, match="batch_size > 0, received 0"):
        build_pipeline(files, config, batch_size=0)
