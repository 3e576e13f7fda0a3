"""Writes style.png, the style image of this model: a generated painting-like pattern of swirling
brush strokes in strong blues, yellows and oranges (made here, so it carries no third-party
licence). Run: python saved_models/style_strokes/make_style.py [OUT.png]"""

import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 512
PALETTE = [(18, 42, 120), (35, 90, 190), (250, 205, 40), (240, 120, 20), (20, 20, 40),
           (90, 170, 230), (255, 240, 150)]


def _stroke(draw, rng, x, y, color):
    """One curved stroke following a swirling flow field from (x, y)."""
    points = [(x, y)]
    width = int(rng.integers(4, 12))
    for _ in range(int(rng.integers(6, 18))):
        angle = np.sin(x / 60.0) * 2.0 + np.cos(y / 45.0) * 2.0
        x, y = x + 8 * np.cos(angle), y + 8 * np.sin(angle)
        points.append((x, y))
    draw.line(points, fill=(0, 0, 0), width=width + 3, joint="curve")
    draw.line(points, fill=color, width=width, joint="curve")


def make_style(seed=18):
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (SIZE, SIZE), PALETTE[1])
    draw = ImageDraw.Draw(image)
    for _ in range(2500):
        x, y = rng.uniform(-20, SIZE + 20, 2)
        base = np.array(PALETTE[int(rng.integers(len(PALETTE)))], float)
        color = tuple(int(c) for c in np.clip(base + rng.normal(0, 18, 3), 0, 255))
        _stroke(draw, rng, x, y, color)
    return image.filter(ImageFilter.SMOOTH)


if __name__ == "__main__":
    make_style().save(sys.argv[1] if len(sys.argv) > 1 else "style.png")
