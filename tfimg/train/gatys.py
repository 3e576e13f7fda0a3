"""Neural style transfer by optimisation (Gatys et al., 2016, "Image Style Transfer Using
Convolutional Neural Networks"): the pixels of one image are optimised with Adam until its
features match a content image's and its Gram matrices a style image's."""

import os
import sys
import time

import numpy as np
import tensorflow as tf
from PIL import Image

from tfimg.models.style_transfer.losses import (content_loss, gram_matrix, style_loss,
                                                total_variation_loss)

# Loss weights per feature network. random_multiscale: measured here (200 steps at 384 px from
# the content image bring the style loss 250x below the content image's own). vgg19: the
# keras-io neural style transfer example's weights converted to these losses' normalisation
# (its Gram matrices are not divided by C * H * W, its losses are sums); not tuned here, where
# ImageNet weights cannot be downloaded.
DEFAULT_WEIGHTS = {"random_multiscale": {"content": 1.0, "style": 1e6, "tv": 1e-5},
                   "vgg19": {"content": 1.0, "style": 1e4, "tv": 1e-5}}


def _progress(step, steps, losses, start, stream):
    done = int(30 * step / steps)
    stream.write(f"\r[{'=' * done}{'.' * (30 - done)}] step {step}/{steps}, loss "
                 f"{losses['total']:.4g} (style {losses['style']:.4g}, content "
                 f"{losses['content']:.4g}), {time.perf_counter() - start:.0f} s")
    if step == steps:
        stream.write("\n")
    stream.flush()


def stylize_optimize(content, style, features, steps=200, learning_rate=5.0,
                     content_weight=None, style_weight=None, tv_weight=None, frames=None,
                     frame_every=50, progress=True):
    """Optimises an image, starting from `content`, towards `content`'s features and
    `style`'s Gram matrices.

    Args:
        content: float [height, width, 3] RGB in [0, 255], the image to restyle.
        style: float [h, w, 3] RGB in [0, 255] (any size; its Gram matrices are size-free).
        features: a `tfimg.models.style_transfer.StyleFeatures`.
        steps: Adam steps; learning_rate: Adam's, in pixel levels per step.
        content_weight, style_weight, tv_weight: loss weights; None takes
            `DEFAULT_WEIGHTS[features.network]`.
        frames: a folder to write the image to every `frame_every` steps
            (frame-NNNN.png), or None.
        progress: a progress bar on stderr.

    Returns:
        (uint8 [height, width, 3] image, history dict of per-step "total", "content",
        "style" and "tv" losses, measured before each step, plus the last one after it).
    """
    content = np.asarray(content, np.float32)
    style = np.asarray(style, np.float32)
    for name, value in (("content", content), ("style", style)):
        if value.ndim != 3 or value.shape[-1] != 3:
            raise ValueError(f"Expected a {name} image [height, width, 3], received "
                             f"shape={value.shape}")
    if steps < 1:
        raise ValueError(f"Expected steps >= 1, received {steps!r}")
    defaults = DEFAULT_WEIGHTS[features.network]
    weights = {"content": defaults["content"] if content_weight is None else content_weight,
               "style": defaults["style"] if style_weight is None else style_weight,
               "tv": defaults["tv"] if tv_weight is None else tv_weight}
    content_target, _ = features(content[None])
    style_grams = [gram_matrix(layer) for layer in features(style[None])[1]]
    image = tf.Variable(content[None])
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    def losses_of(images):
        content_features, style_features = features(images)
        losses = {"content": content_loss(content_features, content_target),
                  "style": style_loss(style_features, style_grams),
                  "tv": total_variation_loss(images)}
        losses["total"] = sum(weights[name] * losses[name] for name in weights)
        return losses

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            losses = losses_of(image)
        optimizer.apply_gradients([(tape.gradient(losses["total"], image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 255.0))
        return losses

    history = {name: [] for name in ("total", "content", "style", "tv")}
    start = time.perf_counter()
    if frames:
        os.makedirs(frames, exist_ok=True)
    for number in range(1, steps + 1):
        losses = {name: float(value) for name, value in step().items()}
        for name, value in losses.items():
            history[name].append(value)
        if progress and (number % 5 == 0 or number == steps):
            _progress(number, steps, losses, start, sys.stderr)
        if frames and (number % frame_every == 0 or number == steps):
            Image.fromarray(_uint8(image)).save(os.path.join(frames, f"frame-{number:04d}.png"))
    for name, value in losses_of(image).items():
        history[name].append(float(value))
    return _uint8(image), history


def _uint8(image):
    return np.round(np.clip(image.numpy()[0], 0, 255)).astype(np.uint8)
