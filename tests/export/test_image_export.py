import json
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.tolerances import assert_uint8_close
from tfimg.data import Preprocessing
from tfimg.export import ExportConfig, export
from tfimg.export.image_to_image import TfliteImageModel, uint8_images
from tfimg.models import DnCnn, Espcn, TransformNet, save_model_folder


@pytest.fixture(scope="module")
def style_folder(tmp_path_factory):
    """(model, model folder, photos folder): a tiny TransformNet saved as a style model, and
    three photos of other sizes (one of them held out in its metadata)."""
    root = tmp_path_factory.mktemp("image_export")
    photos = root / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for index, shape in enumerate([(20, 30, 3), (31, 17, 3), (16, 16, 3)]):
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(
            photos / f"p{index}.png")
    model = TransformNet(width=4, residual_blocks=1)
    model(np.zeros((1, 16, 16, 3), np.float32))
    folder = root / "style_tiny"
    save_model_folder(model, {"task": "style", "preprocessing": Preprocessing(
        image_size=(16, 16), normalize="none").to_json(), "dataset": str(photos),
        "held_out": ["p1.png"]}, folder)
    return model, str(folder), photos


@pytest.mark.slow
def test_saved_model_takes_bytes_of_any_size_and_returns_uint8(style_folder, tmp_path):
    model, folder, photos = style_folder
    target, figures = export(ExportConfig(model=folder, data=str(photos), out=str(tmp_path)))
    assert figures["passed"] and figures["examples"] == 3
    assert figures["max_abs_difference"] <= 1
    assert {"saved_model.pb", "parity.json", "metadata.json"} <= set(os.listdir(target))
    loaded = tf.saved_model.load(target)
    image = np.random.default_rng(5).integers(0, 256, (13, 21, 3), dtype=np.uint8)
    result = loaded.signatures["serving_default"](
        image_bytes=tf.stack([tf.io.encode_png(image)]))["images"].numpy()
    assert result.dtype == np.uint8 and result.shape == (1, 13, 21, 3)
    expected = uint8_images(model)(image[None]).numpy()
    assert_uint8_close(result, expected)
    direct = loaded.signatures["predict_images"](images=tf.constant(image[None]))["images"]
    assert_uint8_close(direct.numpy(), expected)


@pytest.mark.slow
def test_tflite_fixed_size_with_parity_on_the_held_out_photos(style_folder, tmp_path):
    model, folder, _ = style_folder
    target, figures = export(ExportConfig(model=folder, format="tflite", out=str(tmp_path)))
    assert figures["passed"] and figures["examples"] == 1  # p1.png, held out
    assert figures["image_size"] == [16, 16] and "held out" in figures["data"]
    lite = TfliteImageModel(open(os.path.join(target, "model.tflite"), "rb").read())
    image = np.random.default_rng(6).integers(0, 256, (1, 16, 16, 3), dtype=np.uint8)
    assert_uint8_close(lite.predict(image), uint8_images(model)(image).numpy())
    parity = json.loads(open(os.path.join(target, "parity.json")).read())
    assert parity["kind"] == "tflite-none"


def test_integer_quantisation_refused(style_folder, tmp_path):
    _, folder, photos = style_folder
    with pytest.raises(ValueError, match="Image-to-image models export as"):
        export(ExportConfig(model=folder, format="tflite", quantize="int8", data=str(photos),
                            out=str(tmp_path)))
    assert not os.listdir(tmp_path) or not any(
        name.isdigit() for name in os.listdir(tmp_path / "tflite" / "style_tiny"))


@pytest.mark.slow
@pytest.mark.parametrize("task, build, scale", [
    ("sr", lambda: Espcn(scale=2, filters=(4, 4)), 2),
    ("denoise", lambda: DnCnn(filters=4, depth=3, downscale=2), 1),
])
@pytest.mark.parametrize("format", ["saved_model", "tflite"])
def test_restoration_models_export_on_unit_range_pixels(style_folder, tmp_path, task, build,
                                                        scale, format):
    _, _, photos = style_folder
    model = build()
    model.build()
    folder = tmp_path / task
    save_model_folder(model, {"task": task, "scale": scale, "preprocessing": Preprocessing(
        image_size=(16, 16), normalize="unit").to_json(), "dataset": str(photos),
        "held_out": ["p1.png"]}, folder)
    target, figures = export(ExportConfig(model=str(folder), format=format,
                                          out=str(tmp_path / "out")))
    assert figures["passed"] and figures["max_abs_difference"] <= 1
    image = np.random.default_rng(7).integers(0, 256, (1, 16, 16, 3), dtype=np.uint8)
    expected = np.clip(np.round(np.asarray(model(image / 255.0)) * 255), 0, 255)
    if format == "tflite":
        result = TfliteImageModel(open(os.path.join(target, "model.tflite"), "rb").read()
                                  ).predict(image)
    else:
        result = tf.saved_model.load(target).signatures["predict_images"](
            images=tf.constant(image))["images"].numpy()
    assert result.shape == (1, 16 * scale, 16 * scale, 3)
    assert_uint8_close(result, expected.astype(np.uint8))
    if format == "saved_model":  # any size, odd ones too
        image = image[:, :15, :13]
        expected = np.clip(np.round(np.asarray(model(image / 255.0)) * 255), 0, 255)
        result = tf.saved_model.load(target).signatures["predict_images"](
            images=tf.constant(image))["images"].numpy()
        assert_uint8_close(result, expected.astype(np.uint8))


def test_a_broken_parity_photo_is_named(style_folder, tmp_path):
    _, folder, _ = style_folder
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(ValueError, match="broken.png"):
        export(ExportConfig(model=folder, format="saved_model", data=str(photos),
                            out=str(tmp_path / "out")))
