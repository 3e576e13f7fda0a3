"""Tolerances for comparing results, named once here and reused by every test (STYLE.md, Tests).

Fix the data before loosening a tolerance; where a test needs a looser bound it says why, next to
the measured value.
"""

import numpy as np

# Integer ops, shapes, labels and anything decoded the same way twice.
EXACT = 0
# The same float32 program run two ways (eager, tf.function, inside Dataset.map, reloaded).
SAME_PROGRAM = 1e-6
# The same float32 program where graph rewrites reorder long sums (box filters, image means);
# the test names the op and the measured difference.
REORDERED_SUMS = 1e-5
# float32 against a NumPy / OpenCV / scikit-image reference.
FLOAT_ATOL = 1e-5
FLOAT_RTOL = 1e-4
# uint8 against PIL / OpenCV (rounding of the last step may differ by one level).
UINT8_ATOL = 1
# float TFLite against Keras.
TFLITE_ATOL = 1e-4
# fp16 / int8 models: values, plus a task check (same top-1, PSNR within 0.1 dB).
QUANTIZED_ATOL = 1e-2
QUANTIZED_PSNR_DB = 0.1


def _numpy(value):
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def assert_same_program(actual, expected):
    """The same float32 computation run two ways agrees to `SAME_PROGRAM`."""
    np.testing.assert_allclose(_numpy(actual), _numpy(expected), rtol=0, atol=SAME_PROGRAM)


def assert_close_to_reference(actual, expected):
    """float32 against a NumPy/OpenCV reference: `FLOAT_ATOL` / `FLOAT_RTOL`."""
    np.testing.assert_allclose(_numpy(actual), _numpy(expected), rtol=FLOAT_RTOL,
                               atol=FLOAT_ATOL)


def assert_uint8_close(actual, expected, atol=UINT8_ATOL):
    """uint8 images against PIL/OpenCV; compared as int so that 0 - 1 does not wrap."""
    actual, expected = _numpy(actual), _numpy(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    difference = np.abs(actual.astype(np.int64) - expected.astype(np.int64))
    assert difference.max(initial=0) <= atol, (
        f"max |difference| {difference.max()} > {atol} at {np.argwhere(difference > atol)[:5]}")


def psnr(actual, expected, peak=255.0):
    """Peak signal-to-noise ratio in dB (inf for identical images)."""
    error = np.mean((_numpy(actual).astype(np.float64) - _numpy(expected).astype(np.float64)) ** 2)
    return float("inf") if error == 0 else float(10.0 * np.log10(peak ** 2 / error))
