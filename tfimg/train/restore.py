"""Running a restoration model (super-resolution or denoising) on images of any size, in
overlapping tiles so that memory stays bounded.

Each tile is cut with `margin` extra pixels of context on every side (where the image has
them) and only its centre is kept, so no seam appears as long as the margin covers the
network's receptive field; an image that fits in one tile is run whole.
"""

import numpy as np

DEFAULT_TILE = 256
DEFAULT_MARGIN = 32


def _multiple(model):
    return int(getattr(model, "downscale", 1))


def _run(model, image):
    """The model on one [0, 1] float32 (h, w, 3) image padded (reflect) to the model's size
    multiple, cropped back."""
    multiple = _multiple(model)
    height, width = image.shape[:2]
    pad = (-height % multiple, -width % multiple)
    if any(pad):
        image = np.pad(image, ((0, pad[0]), (0, pad[1]), (0, 0)), mode="reflect")
    output = np.asarray(model(image[None], training=False))[0]
    scale = int(getattr(model, "scale", 1))
    return output[:height * scale, :width * scale]


def restore_image(model, image, tile=DEFAULT_TILE, margin=DEFAULT_MARGIN):
    """`model`'s output for one image: float32 (height * scale, width * scale, 3) in [0, 1].

    Args:
        model: a restoration model; `model.scale` (1 when absent) is its upscaling factor.
        image: (height, width, 3) RGB, uint8 or float in [0, 1].
        tile: largest tile side in input pixels (None: the whole image at once).
        margin: context pixels around each tile, cut off after the model.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3 or min(image.shape[:2]) == 0:
        raise ValueError(f"Expected an RGB image of shape (height, width, 3), received "
                         f"shape={image.shape}")
    if image.dtype == np.uint8:
        image = image.astype(np.float32) / 255.0
    image = image.astype(np.float32)
    height, width = image.shape[:2]
    if tile is None or (height <= tile and width <= tile):
        return np.clip(_run(model, image), 0.0, 1.0)
    if tile < 1 or margin < 0:
        raise ValueError(f"Expected tile >= 1 and margin >= 0, received tile={tile!r}, "
                         f"margin={margin!r}")
    scale = int(getattr(model, "scale", 1))
    output = np.zeros((height * scale, width * scale, 3), np.float32)
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            bottom, right = min(top + tile, height), min(left + tile, width)
            y0, x0 = max(top - margin, 0), max(left - margin, 0)
            y1, x1 = min(bottom + margin, height), min(right + margin, width)
            result = _run(model, image[y0:y1, x0:x1])
            output[top * scale:bottom * scale, left * scale:right * scale] = result[
                (top - y0) * scale:(bottom - y0) * scale, (left - x0) * scale:(right - x0) * scale]
    return np.clip(output, 0.0, 1.0, out=output)
