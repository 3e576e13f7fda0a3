"""Training a fast style-transfer network (`TransformNet`, Johnson et al. 2016) for one style
image on a folder of photos; resumable after a crash or a kill at any moment.

A run folder (`StyleConfig.out`) holds:

    config.json      the resolved settings
    backups/         the last committed epoch (`tfimg.train.checkpoint.EpochBackup`)
    history.csv      per-epoch losses
    model/           the model folder: model.keras, metadata.json ("task": "style"), and the
                     style image as style.<ext>

Photos are split by a hash of their path relative to `data` (`tfimg.data.assign_split`): the
`validation` share is held out (never trained on) and listed in the metadata. Each step takes
random crops of `image_size` from photos whose shorter side was resized to 1.25x the crop, with
random horizontal flips, drawn from a generator seeded by (`seed`, epoch), so a resumed run
sees the batches the killed one would have.
"""

import dataclasses
import os
import sys
import time

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from tfimg.atomic import write_json
from tfimg.data import Preprocessing
from tfimg.data.patches import photo_paths, read_photo
from tfimg.models import TransformNet, load_model, save_model_folder
from tfimg.models.style_transfer.features import StyleFeatures
from tfimg.models.style_transfer.losses import (content_loss, gram_matrix, style_loss,
                                                total_variation_loss)
from tfimg.settings import Settings
from tfimg.train.checkpoint import (EpochBackup, latest_backup, remove_temporary,
                                    write_history_csv)
from tfimg.train.gatys import DEFAULT_WEIGHTS

# Photos are resized so that their shorter side is this many times the crop side.
_CROP_CONTEXT = 1.25


@dataclasses.dataclass(frozen=True)
class StyleConfig(Settings):
    """What `train_style` does.

    Attributes:
        style: the style image (JPEG or PNG).
        data: a folder of photos (searched recursively).
        out: run folder (default runs/style_<style image name>).
        epochs, steps_per_epoch, batch_size: training length.
        image_size: (height, width) of the training crops.
        style_size: the style image is resized so that its longer side has this many pixels
            before its Gram matrices are taken (None: as it is); smaller gives larger strokes.
        width, residual_blocks: `TransformNet`'s size.
        learning_rate: Adam's.
        content_weight, style_weight, tv_weight: loss weights; None takes
            `tfimg.train.gatys.DEFAULT_WEIGHTS` of the feature network used.
        weights: the feature network's VGG19 weights: "imagenet" or a local file; when
            "imagenet" cannot be loaded, fixed random multi-scale filters are used (said on
            stderr and recorded in the metadata); "random" chooses those.
        validation: share of the photos held out.
        seed: weights, random filters, crops.
    """

    style: str = None
    data: str = None
    out: str = None
    epochs: int = 6
    steps_per_epoch: int = 150
    batch_size: int = 4
    image_size: tuple = (256, 256)
    style_size: int = None
    width: int = 16
    residual_blocks: int = 3
    learning_rate: float = 1e-3
    content_weight: float = None
    style_weight: float = None
    tv_weight: float = None
    weights: str = "imagenet"
    validation: float = 0.05
    seed: int = 0

    def __post_init__(self):
        if not self.style or not os.path.isfile(self.style):
            raise ValueError(f"Expected --style, a style image file, received {self.style!r}")
        if not self.data or not os.path.isdir(self.data):
            raise ValueError(f"Expected --data, a folder of photos, received {self.data!r}")
        if self.out is None:
            name = os.path.splitext(os.path.basename(self.style))[0]
            object.__setattr__(self, "out", os.path.join("runs", f"style_{name}"))
        size = self.image_size
        size = (size, size) if isinstance(size, int) else tuple(int(s) for s in size)
        if len(size) != 2 or min(size) < 16:
            raise ValueError(f"Expected image_size (height, width) of at least 16, received "
                             f"{self.image_size!r}")
        object.__setattr__(self, "image_size", size)
        self.require_minimum(("epochs", "steps_per_epoch", "batch_size", "width"), 1)
        self.require_minimum(("residual_blocks",), 0)
        self.require_minimum(("learning_rate",), 0, strict=True)
        if self.style_size is not None:
            self.require_minimum(("style_size",), 16)
        if not 0 < self.validation < 1:
            raise ValueError(f"Expected 0 < validation < 1, received {self.validation!r}")


def read_rgb(path, longer_side=None, shorter_side=None):
    """float32 [height, width, 3] RGB in [0, 255] of the image file `path`, upright (EXIF),
    resized (Lanczos) so that its longer or its shorter side has the given length. Raises
    ValueError or OSError naming the file when it cannot be used (see `read_photo`)."""
    image = Image.fromarray(read_photo(path))
    side = max(image.size) if longer_side else min(image.size)
    target = longer_side or shorter_side
    if target and side != target:
        scale = target / side
        image = image.resize((max(1, round(image.width * scale)),
                              max(1, round(image.height * scale))), Image.LANCZOS)
    return np.asarray(image, np.float32)


def _batch(photos, rng, batch_size, size):
    """Random crops of `size` with random horizontal flips: float32 [batch, h, w, 3]."""
    crops = []
    for index in rng.integers(len(photos), size=batch_size):
        photo = photos[index]
        top = rng.integers(photo.shape[0] - size[0] + 1)
        left = rng.integers(photo.shape[1] - size[1] + 1)
        crop = photo[top:top + size[0], left:left + size[1]]
        crops.append(crop[:, ::-1] if rng.random() < 0.5 else crop)
    return np.stack(crops)


def _loss_weights(config, features):
    defaults = DEFAULT_WEIGHTS[features.network]
    return {name: defaults[name] if value is None else value
            for name, value in (("content", config.content_weight),
                                ("style", config.style_weight), ("tv", config.tv_weight))}


def _train_step(model, features, style_grams, weights):
    @tf.function
    def step(images):
        with tf.GradientTape() as tape:
            outputs = model(images, training=True)
            content_features, style_features = features(outputs)
            losses = {"content": content_loss(content_features, features(images)[0]),
                      "style": style_loss(style_features, style_grams),
                      "tv": total_variation_loss(outputs)}
            losses["loss"] = sum(weights[name] * losses[name] for name in weights)
        gradients = tape.gradient(losses["loss"], model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return losses
    return step


def _model_and_history(config, backups):
    backup = latest_backup(backups)
    if backup:
        model_path, state = backup
        print(f"resuming after epoch {state['epochs_done']} from {model_path}", file=sys.stderr)
        return load_model(model_path), state["history"]
    keras.utils.set_random_seed(config.seed)
    model = TransformNet(width=config.width, residual_blocks=config.residual_blocks)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate))
    model(np.zeros((1, *config.image_size, 3), np.float32))
    return model, {}


def _save(model, config, features, history, held_out, out):
    extension = os.path.splitext(config.style)[1].lower() or ".png"
    metadata = {
        "task": "style", "model": "transform_net",
        "preprocessing": Preprocessing(image_size=config.image_size, normalize="none",
                                       resize_mode="crop").to_json(),
        "style": f"style{extension}", "features": features.to_json(),
        "loss_weights": _loss_weights(config, features),
        "dataset": os.path.abspath(config.data), "held_out": [
            os.path.relpath(path, config.data) for path in held_out],
        "config": config.to_json(), "history": history,
    }
    save_model_folder(model, metadata, out, {f"style{extension}": config.style})


def train_style(config):
    """Trains (or resumes) the run `config` describes; returns the model folder's path."""
    if not isinstance(config, StyleConfig):
        raise TypeError(f"Expected a StyleConfig, received {type(config).__name__}")
    out, backups = config.out, os.path.join(config.out, "backups")
    os.makedirs(backups, exist_ok=True)
    remove_temporary(backups)
    write_json(os.path.join(out, "config.json"), config.to_json())
    splits = photo_paths(config.data, config.validation)
    train_paths, held_out = splits["train"], splits["validation"]
    features = StyleFeatures.load(config.weights, seed=config.seed)
    style = read_rgb(config.style, longer_side=config.style_size)
    style_grams = [gram_matrix(layer) for layer in features(style[None])[1]]
    shorter = round(_CROP_CONTEXT * max(config.image_size))
    photos = []
    for path in train_paths:
        try:
            photos.append(read_rgb(path, shorter_side=shorter))
        except (ValueError, OSError) as error:
            print(f"skipped: {error}", file=sys.stderr)
    if not photos:
        raise ValueError(f"None of the {len(train_paths)} training files in {config.data!r} "
                         f"could be decoded")
    where = "the GPU" if tf.config.list_physical_devices("GPU") else "the CPU"
    print(f"{config.data}: {len(photos)} training photos, {len(held_out)} held out; features "
          f"{features.network}; training on {where}", file=sys.stderr)
    model, history = _model_and_history(config, backups)
    backup = EpochBackup(backups, history, monitor="loss", mode="min")
    backup.set_model(model)
    step = _train_step(model, features, style_grams, _loss_weights(config, features))
    for epoch in range(len(history.get("loss", [])), config.epochs):
        rng = np.random.default_rng([config.seed, epoch])
        start, sums = time.perf_counter(), {}
        for _ in range(config.steps_per_epoch):
            losses = step(_batch(photos, rng, config.batch_size, config.image_size))
            for name, value in losses.items():
                sums[name] = sums.get(name, 0.0) + float(value)
        logs = {name: total / config.steps_per_epoch for name, total in sums.items()}
        logs["epoch_seconds"] = time.perf_counter() - start
        backup.on_epoch_end(epoch, logs)
        write_history_csv(os.path.join(out, "history.csv"), backup.history)
        print(f"epoch {epoch + 1}/{config.epochs}: loss {logs['loss']:.4g} (style "
              f"{logs['style']:.4g}, content {logs['content']:.4g}), "
              f"{logs['epoch_seconds']:.0f} s", file=sys.stderr)
    folder = os.path.join(out, "model")
    _save(model, config, features, backup.history, held_out, folder)
    return folder
