"""Training super-resolution and denoising models on a folder of photos with Keras `fit`,
resumable after a crash (the same run folder layout and backups as classifiers:
`tfimg.train.trainer`).

Training data are endless random crops (`tfimg.data.patches`); an "epoch" is
`steps_per_epoch` batches, after which the run validates on a centre crop of each held-out
photo, commits a backup, and logs PSNR and three validation images to TensorBoard. The final
model folder records the model's figures on the whole held-out photos: PSNR and SSIM on Y with
`scale` pixels shaved (the literature's protocol) and on RGB, beside bicubic (sr) or the noisy
input (denoise).
"""

import json
import os
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from tfimg.atomic import write_json
from tfimg.data import Preprocessing
from tfimg.data.patches import (add_noise, center_crops, downscale, load_photos, noise_patches,
                                photo_paths, sr_patches)
from tfimg.models import load_model, load_model_folder, save_model_folder
from tfimg.ops.quality import rgb_psnr, y_psnr, y_ssim
from tfimg.train.checkpoint import (BestModel, EpochBackup, EpochTimer, best_of,
                                    latest_backup, remove_temporary, write_history_csv)
from tfimg.train.restoration_config import RestorationConfig
from tfimg.train.restore import restore_image
from tfimg.train.trainer import quiet_unknown_length

# Fixed noise levels of the validation and the figures (grey levels).
VALIDATION_SIGMA = 25.0
FIGURE_SIGMAS = (15.0, 25.0, 50.0)


def psnr_metric(targets, outputs):
    """Keras metric: mean PSNR (dB) of [0, 1] RGB outputs, clipped, against the targets."""
    outputs = keras.ops.clip(keras.ops.cast(outputs, "float32"), 0.0, 1.0)
    error = keras.ops.mean(keras.ops.square(outputs - keras.ops.cast(targets, "float32")),
                           axis=(1, 2, 3))
    return keras.ops.mean(-10.0 * keras.ops.log(keras.ops.maximum(error, 1e-10)) / np.log(10.0))


psnr_metric.__name__ = "psnr"


def _has_bfloat16_units():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            flags = file.read()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def precision_policy(precision):
    """The Keras dtype policy of a `RestorationConfig.precision` on this machine."""
    if precision != "auto":
        return precision
    if tf.config.list_physical_devices("GPU"):
        return "mixed_float16"
    return "mixed_bfloat16" if _has_bfloat16_units() else "float32"


def _schedule(config):
    steps = config.epochs * config.steps_per_epoch
    warmup = max(1, steps // 50)
    return keras.optimizers.schedules.CosineDecay(
        config.learning_rate / 10, decay_steps=max(1, steps - warmup), alpha=0.01,
        warmup_target=config.learning_rate, warmup_steps=warmup)


def _compile(model, config):
    loss = "mean_absolute_error" if config.loss == "l1" else "mean_squared_error"
    model.compile(optimizer=keras.optimizers.Adam(_schedule(config)), loss=loss,
                  metrics=[psnr_metric])


def degrade(config, clean, seed=(0, 0)):
    """The model inputs of clean [0, 1] images: downscaled (sr) or noisy at
    `VALIDATION_SIGMA` (denoise)."""
    if config.task == "sr":
        return downscale(clean, config.scale).numpy()
    return add_noise(clean, VALIDATION_SIGMA, seed).numpy()


def _copy_matching_weights(source, model):
    """Copies the weights of `source`'s layers into `model`'s layers of the same name and
    weight shapes; returns how many layers were copied."""
    targets = {layer.name: layer for layer in model._flatten_layers(include_self=False)}
    copied = 0
    for layer in source._flatten_layers(include_self=False):
        target = targets.get(layer.name)
        if target is None or not layer.weights or layer.weights and target.weights and any(
                a.shape != b.shape for a, b in zip(layer.weights, target.weights)):
            continue
        if len(layer.weights) == len(target.weights):
            target.set_weights(layer.get_weights())
            copied += 1
    return copied


class ImageSummaries(keras.callbacks.Callback):
    """Writes input, output and target of a few validation images to TensorBoard at the end
    of each epoch (`logs/images`)."""

    def __init__(self, directory, inputs, targets):
        super().__init__()
        self.writer = tf.summary.create_file_writer(directory)
        self.inputs, self.targets = inputs, targets

    def on_epoch_end(self, epoch, logs=None):
        outputs = np.clip(self.model.predict(self.inputs, verbose=0), 0, 1)
        with self.writer.as_default():
            tf.summary.image("input", self.inputs, step=epoch + 1, max_outputs=3)
            tf.summary.image("output", outputs, step=epoch + 1, max_outputs=3)
            tf.summary.image("target", self.targets, step=epoch + 1, max_outputs=3)
        self.writer.flush()


def _new_model(config):
    model = config.build_model()
    model.build()
    if config.init:
        source, _ = load_model_folder(config.init)
        copied = _copy_matching_weights(source, model)
        print(f"started from {copied} layers of {config.init}", file=sys.stderr)
    _compile(model, config)
    return model


def _float32_copy(model):
    """The same model and weights with float32 computation (mixed precision only trains)."""
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        config = {key: value for key, value in model.get_config().items() if key != "dtype"}
        clone = type(model).from_config(config)
        clone.build()
    finally:
        keras.mixed_precision.set_global_policy(policy)
    clone.set_weights(model.get_weights())
    return clone


def evaluate_restoration(model, config, photos, tile=None):
    """Figures of `model` on whole photos: mean Y PSNR/SSIM (shave = scale for sr) and RGB
    PSNR, of the model and of the baseline (bicubic for sr, the noisy input for denoise), at
    each of `FIGURE_SIGMAS` for denoise."""
    def figures(inputs_of, baseline_of):
        rows = {"model": [], "baseline": []}
        for index, photo in enumerate(photos):
            clean = _cropped(photo, config)[None]
            inputs = inputs_of(clean, index)
            output = restore_image(model, inputs[0], tile=tile)[None]
            for name, result in (("model", output), ("baseline", baseline_of(inputs, clean))):
                rows[name].append([float(y_psnr(result, clean, shave)[0]),
                                   float(y_ssim(result, clean, shave)[0]),
                                   float(rgb_psnr(result, clean)[0])])
        return {name: dict(zip(("y_psnr", "y_ssim", "rgb_psnr"),
                               np.round(np.mean(values, axis=0), 4).tolist()))
                for name, values in rows.items()}

    if config.task == "sr":
        shave = config.scale
        size_of = (lambda clean: clean.shape[1:3])
        return {f"x{config.scale}": figures(
            lambda clean, _: downscale(clean, config.scale).numpy(),
            lambda inputs, clean: tf.image.resize(inputs, size_of(clean), "bicubic").numpy())}
    shave = 0
    return {f"sigma{int(sigma)}": figures(
        lambda clean, index, s=sigma: add_noise(clean, s, (index, int(s))).numpy(),
        lambda inputs, clean: inputs) for sigma in FIGURE_SIGMAS}


def _cropped(photo, config):
    """A [0, 1] photo cropped to a multiple of the scale (sr) or of 4 (denoise)."""
    multiple = config.scale if config.task == "sr" else 4
    height, width = (size - size % multiple for size in photo.shape[:2])
    return photo[:height, :width].astype(np.float32) / 255.0


def _training_data(config, photos, epochs_done):
    seed = config.seed + epochs_done  # a resumed run draws new crops
    if config.task == "sr":
        return sr_patches(photos, config.scale, config.patch_size, config.batch_size, seed)
    return noise_patches(photos, config.patch_size, config.sigma, config.batch_size, seed)


def train_restoration(config):
    """Trains (or resumes) the restoration run `config` describes; returns the final model
    folder's metadata."""
    if not isinstance(config, RestorationConfig):
        raise TypeError(f"Expected a RestorationConfig, received {type(config).__name__}")
    out = config.out
    final = os.path.join(out, "model")
    if os.path.exists(os.path.join(final, "metadata.json")):
        print(f"{out}: finished already; the model is in {final}", file=sys.stderr)
        with open(os.path.join(final, "metadata.json"), encoding="utf-8") as file:
            return json.load(file)
    _check_out(out)
    os.makedirs(os.path.join(out, "backups"), exist_ok=True)
    remove_temporary(os.path.join(out, "backups"))
    write_json(os.path.join(out, "config.json"), config.to_json())
    keras.utils.set_random_seed(config.seed)
    policy = precision_policy(config.precision)
    keras.mixed_precision.set_global_policy(policy)
    try:
        return _train(config, out, policy)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def _check_out(out):
    if os.path.isdir(out) and os.listdir(out) and not os.path.isfile(
            os.path.join(out, "config.json")):
        raise ValueError(f"--out {out!r} holds files that are not a tfimg training run; "
                         f"choose a new or empty folder")


def _train(config, out, policy):
    paths = photo_paths(config.data, config.validation)
    photos = load_photos(paths["train"], config.patch_size)
    if not paths["validation"]:
        raise ValueError(f"No photo of {config.data!r} falls in the validation split "
                         f"(validation={config.validation}); add photos or raise --validation")
    held_out = load_photos(paths["validation"], config.validation_crop, "validation")
    targets = center_crops(held_out, config.validation_crop)
    inputs = degrade(config, targets)
    print(f"{config.data}: {len(photos)} training and {len(held_out)} validation photos; "
          f"training {config.model} ({config.task}"
          f"{f' x{config.scale}' if config.task == 'sr' else ''}) in {policy}", file=sys.stderr)
    backup = latest_backup(os.path.join(out, "backups"))
    if backup:
        model = load_model(backup[0], custom_objects={"psnr": psnr_metric})
        history = backup[1]["history"]
        print(f"resuming after epoch {backup[1]['epochs_done']} from {backup[0]}",
              file=sys.stderr)
    else:
        model, history = _new_model(config), {}
    write_history_csv(os.path.join(out, "history.csv"), history)
    done = len(next(iter(history.values()), []))
    callbacks = [
        EpochTimer(),
        EpochBackup(os.path.join(out, "backups"), history),
        BestModel(os.path.join(out, "best.keras"), "val_psnr", "max",
                  best_of(history, "val_psnr", "max")),
        keras.callbacks.CSVLogger(os.path.join(out, "history.csv"), append=True),
        keras.callbacks.TensorBoard(os.path.join(out, "logs")),
        ImageSummaries(os.path.join(out, "logs", "images"), inputs[:3], targets[:3]),
    ]
    start = time.perf_counter()
    if done < config.epochs:
        with quiet_unknown_length():
            model.fit(_training_data(config, photos, done), epochs=config.epochs,
                      initial_epoch=done, steps_per_epoch=config.steps_per_epoch,
                      validation_data=(inputs, targets), validation_batch_size=4,
                      callbacks=callbacks, shuffle=False,  # endless random crops
                      verbose=1 if sys.stdout.isatty() else 2)
    seconds = time.perf_counter() - start
    history = callbacks[1].history
    model = _float32_copy(model)
    metadata = {
        "task": config.task,
        "model": config.model,
        "scale": config.scale if config.task == "sr" else 1,
        "preprocessing": Preprocessing(image_size=(config.patch_size,) * 2,
                                       normalize="unit").to_json(),
        "dataset": os.path.abspath(config.data),
        "train_photos": len(photos),
        "validation_photos": len(held_out),
        "held_out": [os.path.relpath(path, config.data) for path in paths["validation"]],
        "figures": evaluate_restoration(model, config, held_out),
        "epochs": len(next(iter(history.values()), [])),
        "train_seconds_this_process": round(seconds, 1),
        "history": history,
        "config": config.to_json(),
    }
    save_model_folder(model, metadata, os.path.join(out, "model"))
    print(f"figures on {len(held_out)} held-out photos: {json.dumps(metadata['figures'])}; "
          f"model saved to {os.path.join(out, 'model')}")
    return metadata
