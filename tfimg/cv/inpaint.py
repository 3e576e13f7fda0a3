"""Inpainting (filling a masked region from its surroundings) and the masks that say where.

Methods: Telea 2004, "An image inpainting technique based on the fast marching method", and
Bertalmio, Bertozzi and Sapiro 2001, "Navier-Stokes, fluid dynamics, and image and video
inpainting" (OpenCV's `INPAINT_TELEA` and `INPAINT_NS`).
"""

import cv2
import numpy as np

from tfimg.cv._image import check_choice, check_image, to_gray

INPAINT_METHODS = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}
# The radius is the neighbourhood each filled pixel reads; beyond this it only costs time.
MAX_RADIUS = 100


def check_mask(mask, size, name="mask"):
    """`mask` as a `(height, width)` uint8 array of 0 and 255 matching `size`."""
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[2] == 1:
        mask = mask[:, :, 0]
    if mask.ndim != 2 or mask.shape != tuple(size):
        raise ValueError(f"Expected {name} of shape {tuple(size)}, received shape={mask.shape}")
    if mask.dtype != np.bool_ and mask.dtype != np.uint8:
        raise TypeError(f"Expected {name} of dtype bool or uint8, received dtype={mask.dtype}")
    return np.where(mask > 0, 255, 0).astype(np.uint8)


def inpaint(image, mask, method="telea", radius=3):
    """`image` with the pixels where `mask` is set filled in from their surroundings.

    Args:
        image: uint8 `(height, width)` or `(height, width, 1 | 3)` array.
        mask: `(height, width)` bool or uint8 (non-zero = fill), e.g. from `mask_from_color`,
            `mask_from_polygon` or `mask_from_damage`.
        method: "telea" (fast marching) or "ns" (Navier-Stokes).
        radius: neighbourhood radius in pixels, 1 to `MAX_RADIUS`.

    Returns:
        A new uint8 array of the shape of `image`; pixels outside the mask are unchanged.
    """
    image = check_image(image)
    mask = check_mask(mask, image.shape[:2])
    check_choice(method, tuple(INPAINT_METHODS), "method")
    if isinstance(radius, bool) or not isinstance(radius, int) or not 1 <= radius <= MAX_RADIUS:
        raise ValueError(f"Expected radius in 1..{MAX_RADIUS} pixels, received radius={radius!r}")
    return cv2.inpaint(image, mask, radius, INPAINT_METHODS[method]).reshape(image.shape)


def mask_from_color(image, color, tolerance=0):
    """Where `image` is within `tolerance` grey levels of `color` in every channel (a colour key,
    e.g. pure red painted over the damage).

    Args:
        image: uint8 `(height, width, 3)` (or grey) array.
        color: one level per channel of `image`, e.g. `(255, 0, 0)`.
        tolerance: 0 to 255.

    Returns:
        `(height, width)` bool mask.
    """
    image = check_image(image)
    pixels = image.reshape(image.shape[0], image.shape[1], -1).astype(np.int16)
    color = np.asarray(color, np.int16).reshape(-1)
    if color.shape[0] != pixels.shape[2] or np.any((color < 0) | (color > 255)):
        raise ValueError(f"Expected color of {pixels.shape[2]} levels in 0..255, received "
                         f"color={color.tolist()}")
    if not 0 <= tolerance <= 255:
        raise ValueError(f"Expected tolerance in 0..255, received tolerance={tolerance!r}")
    return np.all(np.abs(pixels - color) <= tolerance, axis=2)


def mask_from_polygon(size, polygon):
    """The inside of `polygon` (edges included) in an image of `size` `(height, width)`.

    Args:
        size: `(height, width)` of the image.
        polygon: at least 3 vertices `(x, y)` in pixels; they may lie outside the image.

    Returns:
        `(height, width)` bool mask.
    """
    height, width = (int(value) for value in size)
    if height <= 0 or width <= 0:
        raise ValueError(f"Expected a positive size (height, width), received size={size!r}")
    points = np.asarray(polygon, np.float64)
    if points.ndim != 2 or points.shape[0] < 3 or points.shape[1] != 2 or not np.all(
            np.isfinite(points)):
        raise ValueError(f"Expected polygon of at least 3 finite (x, y) vertices, received "
                         f"shape={points.shape}")
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 255)
    return mask > 0


def mask_from_damage(image, threshold=240, grow=1):
    """Thresholded damage: grey levels at or above `threshold` (scratches, dust and text on old
    photos are near white), grown by `grow` pixels so that their soft edges are filled too.

    Args:
        image: uint8 `(height, width)` or `(height, width, 1 | 3)` array.
        threshold: 0 to 255.
        grow: dilation radius in pixels, 0 to 50.

    Returns:
        `(height, width)` bool mask.
    """
    gray = to_gray(check_image(image))
    if not 0 <= threshold <= 255:
        raise ValueError(f"Expected threshold in 0..255, received threshold={threshold!r}")
    if isinstance(grow, bool) or not isinstance(grow, int) or not 0 <= grow <= 50:
        raise ValueError(f"Expected grow in 0..50 pixels, received grow={grow!r}")
    mask = (gray >= threshold).astype(np.uint8)
    if grow:
        element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
        mask = cv2.dilate(mask, element)
    return mask > 0
