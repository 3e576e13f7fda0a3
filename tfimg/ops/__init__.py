"""Pure tensor ops on images: safe inside `tf.data` and inside exported models."""

from tfimg.ops.geometry import RESIZE_MODES, apply_orientation, crop_box, resize
from tfimg.ops.normalize import (CAFFE_BGR_MEAN, NORMALIZATIONS, caffe, normalize,
                                 scale_symmetric, scale_unit, standardize)

__all__ = [
    "CAFFE_BGR_MEAN",
    "NORMALIZATIONS",
    "RESIZE_MODES",
    "apply_orientation",
    "caffe",
    "crop_box",
    "normalize",
    "resize",
    "scale_symmetric",
    "scale_unit",
    "standardize",
]
