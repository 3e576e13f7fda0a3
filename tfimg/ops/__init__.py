"""Pure tensor ops on images: safe inside `tf.data` and inside exported models.

By theme: geometry and normalisation for model inputs; colour and tone, filters, edges,
thresholds and morphology, similarity, fusion and dehazing matching OpenCV / scikit-image.
"""

from tfimg.ops.color import (adjust_brightness, adjust_contrast, adjust_gamma, adjust_hue,
                             adjust_saturation, clahe, equalize_histogram, grayscale)
from tfimg.ops.dehaze import dark_channel, dehaze, guided_filter
from tfimg.ops.edges import canny, laplacian, sobel
from tfimg.ops.filters import (bilateral_filter, box_blur, gaussian_blur, gaussian_kernel,
                               median_blur, unsharp_mask)
from tfimg.ops.fusion import (blend, exposure_fusion, gaussian_pyramid, laplacian_pyramid,
                              laplacian_pyramid_blend)
from tfimg.ops.geometry import RESIZE_MODES, apply_orientation, crop_box, resize
from tfimg.ops.morphology import (closing, dilate, erode, morphological_gradient, opening,
                                  structuring_element)
from tfimg.ops.normalize import (CAFFE_BGR_MEAN, NORMALIZATIONS, caffe, normalize,
                                 scale_symmetric, scale_unit, standardize)
from tfimg.ops.similarity import cosine_similarity, ms_ssim, psnr, ssim
from tfimg.ops.threshold import (adaptive_threshold, connected_components, otsu_threshold,
                                 region_grow, threshold)

__all__ = [
    "CAFFE_BGR_MEAN",
    "NORMALIZATIONS",
    "RESIZE_MODES",
    "adaptive_threshold",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_hue",
    "adjust_saturation",
    "apply_orientation",
    "bilateral_filter",
    "blend",
    "box_blur",
    "caffe",
    "canny",
    "clahe",
    "closing",
    "connected_components",
    "cosine_similarity",
    "crop_box",
    "dark_channel",
    "dehaze",
    "dilate",
    "equalize_histogram",
    "erode",
    "exposure_fusion",
    "gaussian_blur",
    "gaussian_kernel",
    "gaussian_pyramid",
    "grayscale",
    "guided_filter",
    "laplacian",
    "laplacian_pyramid",
    "laplacian_pyramid_blend",
    "median_blur",
    "morphological_gradient",
    "ms_ssim",
    "normalize",
    "opening",
    "otsu_threshold",
    "psnr",
    "region_grow",
    "resize",
    "scale_symmetric",
    "scale_unit",
    "sobel",
    "ssim",
    "standardize",
    "structuring_element",
    "threshold",
    "unsharp_mask",
]
