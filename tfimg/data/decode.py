"""Decoding encoded image bytes into uint8 tensors, inside the graph.

`decode_batch` is the decoder of the input layer and of exported serving signatures:

- the format is recognised by content: JPEG, PNG (8 and 16 bit), GIF (first frame), BMP, WebP;
- the declared pixel count is read from the header and checked before any pixel is decoded, so a
  decompression bomb or a file of another kind fails fast;
- JPEGs are turned by their EXIF orientation, the way a photo viewer shows them, and decoded with
  the accurate integer IDCT, which gives the same pixels as PIL;
- when the image will be shrunk a lot, JPEGs are decoded at 1/2, 1/4 or 1/8 scale in the DCT
  domain (libjpeg's scaled IDCT), several times faster than a full decode;
- `antialias="auto"` then shrinks with an area average (a box filter, as cheap as plain bilinear
  and closer to PIL's Lanczos resize than the antialiased bilinear filter, whose
  `ScaleAndTranslate` costs about 2 ms per 224x224 image); an image that is enlarged on either
  axis keeps the antialiased bilinear resize.

Headers are parsed over the whole batch at once (`tfimg.data.headers`) and images are grouped
by decoder, so the per-image work has no control flow: on a small CPU a `tf.cond` costs more
than decoding a 32x32 JPEG. Every function here is a pure tensor function, safe inside
`tf.data`.
"""

import re
import typing

import tensorflow as tf

from tfimg.formats import DEFAULT_MAX_PIXELS
from tfimg.data.headers import JPEG, UNKNOWN, jpeg_headers, parse_headers, plain_jpeg_heads
from tfimg.ops.geometry import apply_orientation, resize

_DCT_RATIOS = (1, 2, 4, 8)
ANTIALIAS = (True, False, "auto")


def shrink_factor(height, width, size, mode):
    """float32 like `height`: by how much resizing to `size` under `mode` shrinks the image
    (the smaller axis factor for "stretch" and "crop", the scale for "pad"); >= 1 when the
    resize shrinks or keeps both axes."""
    ratio_height = tf.cast(height, tf.float32) / size[0]
    ratio_width = tf.cast(width, tf.float32) / size[1]
    return (tf.maximum if mode == "pad" else tf.minimum)(ratio_height, ratio_width)


def dct_ratio_index(height, width, size, mode):
    """int32 [n]: index into (1, 2, 4, 8) of the largest JPEG DCT scale-down after which
    resizing to `size` under `mode` still only shrinks (or keeps) the image."""
    bound = shrink_factor(height, width, size, mode)
    ratios = tf.constant(_DCT_RATIOS[1:], tf.float32)
    return tf.reduce_sum(tf.cast(ratios[None, :] <= bound[:, None], tf.int32), axis=-1)


def resize_decoded(image, size, mode="stretch", antialias="auto", shrinks=None):
    """Resizes one decoded image to uint8 `size` with the filter `antialias` names.

    Args:
        image: uint8 (height, width, channels).
        size, mode: as for `tfimg.ops.resize`.
        antialias: True: bilinear widened when shrinking (TensorFlow's `ScaleAndTranslate`);
            False: plain bilinear (aliases when shrinking over 2x); "auto": an area average
            when the resize shrinks or keeps both axes, else as True.
        shrinks: for "auto", a Python bool when it is known while tracing; None computes it
            from the image's shape (one `tf.cond`).

    Returns:
        uint8 (height, width, channels), rounded. Safe inside `tf.data` and a SavedModel.
    """
    if antialias != "auto":
        return _round_resized(resize(image, size, mode, antialias))
    if shrinks is None:
        shape = tf.shape(image)
        return tf.cond(shrink_factor(shape[0], shape[1], size, mode) >= 1,
                       lambda: resize_decoded(image, size, mode, antialias, True),
                       lambda: resize_decoded(image, size, mode, antialias, False))
    return _round_resized(resize(image, size, mode, antialias=True,
                                 method="area" if shrinks else "bilinear"))


def _round_resized(image):
    """`to_uint8` without the clipping, for resized uint8 images: every filter here weighs
    its inputs with non-negative weights that sum to one, so the values stay in [0, 255] (up
    to float rounding, which `round` absorbs). The clip costs as much as the rest of the
    conversion inside the decode loop, about 0.1-0.3 ms per 224x224 image on a 2-core VM."""
    return tf.cast(tf.round(image), tf.uint8)


def _decode_jpeg(contents, orientation, channels, ratio, cmyk=False):
    """A JPEG with the accurate integer IDCT (PIL's pixels), turned by its EXIF orientation.

    `cmyk` (a Python bool): libjpeg turns CMYK into RGB only, so luma is computed after.
    """
    image = tf.io.decode_jpeg(contents, channels=3 if cmyk else channels, ratio=ratio,
                              dct_method="INTEGER_ACCURATE")
    if cmyk and channels == 1:
        image = luma(image)
    return apply_orientation(image, orientation)


def to_uint8(image):
    """Float pixel values in [0, 255] -> uint8, rounded to nearest and clipped."""
    return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)


def luma(image):
    """uint8 RGB (..., 3) -> uint8 grayscale (..., 1), ITU-R 601 weights, rounded."""
    return to_uint8(tf.image.rgb_to_grayscale(tf.cast(image, tf.float32)))


def _decode_other(contents, channels):
    """PNG (8/16 bit, palette, alpha), GIF first frame, BMP, WebP -> uint8 RGB or gray."""
    image = tf.io.decode_image(contents, channels=3, dtype=tf.uint8, expand_animations=False)
    return luma(image) if channels == 1 else image


def _assert(condition, message):
    """A bare Assert op: `tf.debugging.assert_*` wrap theirs in a `tf.cond`, which costs more
    than decoding a small image when run per batch inside `tf.data`."""
    return tf.raw_ops.Assert(condition=tf.reduce_all(condition), data=[tf.constant(message)])


def _check(contents, channels, max_pixels):
    """Validates headers; returns their `Headers`, with the format code depending on the checks.

    `cmyk` marks 4-component JPEGs: libjpeg converts them to RGB but not to grayscale.
    """
    if channels not in (1, 3):
        raise ValueError(f"Expected channels in (1, 3), received channels={channels}")
    headers = parse_headers(contents)
    checks = [
        _assert(headers.format_code < UNKNOWN, "not a JPEG, PNG, GIF, BMP or WebP image"),
        _assert(headers.found, "image size not found in the header"),
        _assert(~headers.animated_webp, "animated WebP is not supported"),
        _assert(headers.height * headers.width <= max_pixels,
                f"declared pixel count over {max_pixels}"),
    ]
    with tf.control_dependencies(checks):
        return headers._replace(format_code=tf.identity(headers.format_code))


def decode_image(contents, channels=3, max_pixels=DEFAULT_MAX_PIXELS):
    """Decodes one encoded image at its own size, turned by its EXIF orientation.

    Args:
        contents: scalar tf.string of JPEG, PNG, GIF, BMP or WebP bytes.
        channels: 3 (RGB) or 1 (grayscale). Alpha is dropped, palettes expanded, 16-bit PNG
            scaled to 8 bit, GIF reduced to its first frame.
        max_pixels: largest declared height * width accepted.

    Returns:
        uint8 (height, width, channels) as a photo viewer shows the image.

    Raises:
        tf.errors.InvalidArgumentError at run time for unknown formats, animated WebP, pixel
        counts over `max_pixels` and corrupt data.
    """
    contents = tf.reshape(tf.convert_to_tensor(contents, tf.string), [1])
    headers = _check(contents, channels, max_pixels)
    format_code, orientation, cmyk = headers.format_code, headers.orientation, headers.cmyk
    kind = tf.where(cmyk[0], 2, tf.where(tf.equal(format_code[0], JPEG), 0, 1))
    image = tf.switch_case(kind, [
        lambda: _decode_jpeg(contents[0], orientation[0], channels, 1),
        lambda: _decode_other(contents[0], channels),
        lambda: _decode_jpeg(contents[0], orientation[0], channels, 1, cmyk=True)])
    image.set_shape([None, None, channels])
    return image


# Decoder groups: (DCT ratio or None for non-JPEG formats, turned and resized, shrinks both
# axes). Group 0, plain JPEGs that need neither, is the common case and does nothing but
# decode. Each group runs as its own top-level `tf.map_fn`: a loop nested in a
# `tf.cond`/`tf.switch_case` branch is not lowered inside `tf.data` and costs milliseconds per
# call. The last group holds CMYK JPEGs (rare; `resize_decoded` decides per image).
# "shrinks" only matters for antialias="auto"; a JPEG decoded at 1/2 or less always shrinks.
_GROUPS = ((1, False, True), (1, True, True), (2, True, True), (4, True, True), (8, True, True),
           (None, False, True), (None, True, True), ("cmyk", True, None), (1, True, False),
           (None, True, False))


def _decode_one(contents, orientation, group, size, channels, mode, antialias):
    ratio, adjusted, shrinks = group
    if ratio is None:
        image = _decode_other(contents, channels)
    elif ratio == "cmyk":
        image = _decode_jpeg(contents, orientation, channels, 1, cmyk=True)
    elif adjusted:
        image = _decode_jpeg(contents, orientation, channels, ratio)
    else:
        image = tf.io.decode_jpeg(contents, channels=channels, dct_method="INTEGER_ACCURATE")
    if not adjusted:
        return image
    return resize_decoded(image, size, mode, antialias, shrinks)


class _Plan(typing.NamedTuple):
    """How each image of a batch is decoded (int32 [n] tensors)."""

    kind: object  # decoder: JPEG at DCT ratio 1, 2, 4, 8 (0-3), other formats (4), CMYK (5)
    orientation: object  # EXIF orientation applied after decoding (1 for other formats)
    resize: object  # 0: none (already of the size), 1: shrinks both axes, 2: enlarges one


# The decoder group (index into _GROUPS) of each plan, by [kind][resize]; combinations that
# no plan has (a JPEG at 1/2 or less is always resized and never enlarged) repeat a neighbour.
_GROUP_OF = ((0, 1, 8), (2, 2, 2), (3, 3, 3), (4, 4, 4), (5, 6, 9), (7, 7, 7))


def _plan(headers, size, mode, antialias):
    """The `_Plan` of images with checked `Headers` (format, size, orientation, CMYK)."""
    height, width, orientation, cmyk = (headers.height, headers.width, headers.orientation,
                                        headers.cmyk)
    is_jpeg = tf.equal(headers.format_code, JPEG) & ~cmyk
    transposed = orientation >= 5
    displayed = (tf.where(transposed, width, height), tf.where(transposed, height, width))
    ratio_index = tf.where(is_jpeg, dct_ratio_index(*displayed, size, mode), 0)
    ratio = tf.gather(tf.constant(_DCT_RATIOS, tf.int64), ratio_index)
    # libjpeg's scaled output is ceil(side / ratio).
    decoded = [-(-side // ratio) for side in displayed]
    resized = ~(tf.equal(decoded[0], size[0]) & tf.equal(decoded[1], size[1]))
    adjusted = resized | (orientation != 1) | (ratio_index > 0)
    # With antialias="auto", images enlarged on an axis keep the antialiased filter.
    enlarged = (shrink_factor(*displayed, size, mode) < 1 if antialias == "auto" else
                tf.zeros_like(adjusted))
    return _Plan(
        kind=tf.where(cmyk, 5, tf.where(is_jpeg, ratio_index, 4)),
        orientation=tf.where(is_jpeg | cmyk, orientation, 1),
        resize=tf.where(cmyk | tf.where(is_jpeg, adjusted, resized), tf.where(enlarged, 2, 1),
                        0))


def decode_batch(contents, size, channels=3, mode="stretch", antialias="auto",
                 max_pixels=DEFAULT_MAX_PIXELS):
    """Decodes and resizes a batch of encoded images of any formats and sizes.

    Args:
        contents: tf.string [n] of encoded images.
        size: (height, width) of the output.
        channels: 3 (RGB) or 1 (grayscale).
        mode: resize mode, "stretch", "crop" or "pad" (see `tfimg.ops.resize`).
        antialias: True, False or "auto", the filter when shrinking (see `resize_decoded`).
        max_pixels: largest declared height * width accepted.

    Returns:
        uint8 [n, height, width, channels]. An image already of `size` passes through exactly.

    Raises:
        tf.errors.InvalidArgumentError at run time when any image is bad (the whole batch
        fails; the input pipeline then retries its images one by one).
    """
    contents = tf.reshape(tf.convert_to_tensor(contents, tf.string), [-1])
    size = tuple(int(s) for s in size)
    spec = tf.TensorSpec([*size, channels], tf.uint8)
    plan = _plan(_check(contents, channels, max_pixels), size, mode, antialias)
    groups = _GROUPS if antialias == "auto" else _GROUPS[:8]
    group = tf.gather(tf.reshape(_GROUP_OF, [-1]), plan.kind * 3 + plan.resize)
    positions = tf.dynamic_partition(tf.range(tf.size(contents)), group, len(groups))
    outputs = []
    for part, decoder_group in zip(positions, groups):
        def decode(item, decoder_group=decoder_group):
            return _decode_one(*item, decoder_group, size, channels, mode, antialias)
        items = (tf.gather(contents, part), tf.gather(plan.orientation, part))
        outputs.append(tf.map_fn(decode, items, fn_output_signature=spec,
                                 parallel_iterations=1))
    images = tf.dynamic_stitch(positions, outputs)
    return tf.ensure_shape(images, [None, *size, channels])


def decode_resized(contents, size, channels=3, mode="stretch", antialias="auto",
                   max_pixels=DEFAULT_MAX_PIXELS):
    """`decode_batch` for one image, without its loops: a scalar tf.string -> uint8
    (height, width, channels), the same pixels.

    Where each call decodes one large image (photos for a 224x224 model), this costs far less
    to trace and to start than `decode_batch`, whose ten decoder loops each cost milliseconds
    to set up at every start of a `tf.data` epoch: one choice of decoder, the orientation
    (branch-free), one choice of resize.
    """
    contents = tf.reshape(tf.convert_to_tensor(contents, tf.string), [])
    headers = _check(contents[None], channels, max_pixels)
    return _decode_planned(contents, _plan(headers, size, mode, antialias), size, channels,
                           mode, antialias)


def read_jpeg(path, size, channels=3, mode="stretch", antialias="auto",
              max_pixels=DEFAULT_MAX_PIXELS):
    """Reads one JPEG file and gives `decode_batch`'s pixels for it, with a fraction of the
    graph: the size comes from libjpeg's header reader (`tf.io.extract_jpeg_shape`) instead
    of `parse_headers`' general parser, whose segment walk and other formats cost more to
    trace and to start every epoch than decoding a few photos.

    For folders of JPEGs of many sizes. Fails at run time on anything but a JPEG (the input
    pipeline then retries the file with `decode_batch`) and on pixel counts over `max_pixels`.
    """
    contents = tf.io.read_file(tf.reshape(path, []))
    stored = tf.io.extract_jpeg_shape(contents, tf.int64)
    within = _assert(stored[0] * stored[1] <= max_pixels,
                     f"declared pixel count over {max_pixels}")
    with tf.control_dependencies([within]):  # before any pixel is decoded
        headers = jpeg_headers(contents, tf.identity(stored))
    return _decode_planned(contents, _plan(headers, size, mode, antialias), size, channels,
                           mode, antialias)


def _decode_planned(contents, plan, size, channels, mode, antialias):
    """One image (a scalar tf.string) with its `_Plan` of one -> uint8 (height, width,
    channels)."""
    size = tuple(int(s) for s in size)
    image = tf.switch_case(plan.kind[0], [
        *(lambda ratio=ratio: tf.io.decode_jpeg(contents, channels=channels, ratio=ratio,
                                                dct_method="INTEGER_ACCURATE")
          for ratio in _DCT_RATIOS),
        lambda: _decode_other(contents, channels),
        lambda: _decode_jpeg(contents, 1, channels, 1, cmyk=True)])
    image = apply_orientation(image, plan.orientation[0])
    image = tf.switch_case(plan.resize[0], [
        lambda: image,
        lambda: resize_decoded(image, size, mode, antialias, shrinks=True),
        lambda: resize_decoded(image, size, mode, antialias, shrinks=False)])
    return tf.ensure_shape(image, [*size, channels])


def read_uniform_jpegs(paths, stored_size, size, channels=3, mode="stretch", antialias="auto",
                       one=False):
    """Reads and decodes files that are JPEGs of one stored size, in a single loop.

    The fast path for folders like CIFAR-10's: `decode_batch` needs the bytes of a whole batch
    before it parses their headers, which costs a second loop over the files. Here each file
    is checked after reading: its format and EXIF segment from its first bytes, its size by
    the JPEG frame header (or, when no resize follows, by the decoded shape; TensorFlow's JPEG
    decoder refuses outputs over 512 MB, which bounds the memory a wrong file can take).

    Args:
        paths: tf.string [n] file paths.
        stored_size: (height, width) every file must have, as stored.
        size, channels, mode, antialias: as for `decode_batch`.
        one: `paths` holds exactly one path, read without a loop (which costs milliseconds to
            set up at every start of a `tf.data` epoch); other sizes fail at run time.

    Returns:
        uint8 [n, height, width, channels], the same pixels as `decode_batch` gives.

    Raises:
        tf.errors.InvalidArgumentError at run time when any file is unreadable, corrupt, or not
        a JPEG of `stored_size` without an EXIF segment: the caller then decodes these files
        with `decode_batch`.
    """
    size = tuple(int(s) for s in size)
    stored_size = tuple(int(s) for s in stored_size)
    with tf.init_scope():  # one ratio for all, known while tracing
        ratio = _DCT_RATIOS[int(dct_ratio_index(tf.constant([stored_size[0]]),
                                                tf.constant([stored_size[1]]), size, mode)[0])]
        shrinks = bool(shrink_factor(*stored_size, size, mode) >= 1)
    resized = tuple(-(-side // ratio) for side in stored_size) != size

    def read_and_decode(path):
        contents = tf.io.read_file(path)
        checks = []
        if resized:
            stored = tf.io.extract_jpeg_shape(contents)[:2]
            checks.append(_assert(tf.equal(stored, stored_size),
                                  f"not a {stored_size[0]}x{stored_size[1]} JPEG"))
        with tf.control_dependencies(checks):
            image = tf.io.decode_jpeg(contents, channels=channels, ratio=ratio,
                                      dct_method="INTEGER_ACCURATE")
        if resized:
            image = resize_decoded(image, size, mode, antialias, shrinks)
        return tf.ensure_shape(image, [*size, channels]), tf.strings.substr(contents, 0, 64)

    if one:
        image, head = read_and_decode(tf.reshape(paths, []))
        images, heads = image[None], head[None]
    else:
        images, heads = tf.map_fn(
            read_and_decode, tf.reshape(paths, [-1]), parallel_iterations=1,
            fn_output_signature=(tf.TensorSpec([*size, channels], tf.uint8), tf.string))
    with tf.control_dependencies([_assert(plain_jpeg_heads(heads),
                                          "not a JPEG, or a JPEG with an EXIF segment")]):
        return tf.identity(images)


_ASSERTION = re.compile(r"assertion failed: \[(.*?)\]")
_OP_ERROR = re.compile(r"\{\{function_node [^}]*\}\}\s*(.*)")
_TAIL = re.compile(r"\s*(\[\[.*?\]\]|\[Op:[^\]]*\]|name: \S*)+\s*$")


def decode_error_reason(error):
    """The cause in the message of a decode's `tf.errors.InvalidArgumentError`, in one line:
    "jpeg::Uncompress failed. Invalid JPEG data ..." or "animated WebP is not supported".

    TensorFlow 2.21 wraps the cause in "Graph execution error:" and the Python stack of the
    failed node, or "in user code:" and a traceback, or a "{{function_node ...}}" tag, and the
    checks of this module in "assertion failed: [...]"; none of that says what is wrong with
    the image.
    """
    message = getattr(error, "message", None) or str(error)
    assertion = _ASSERTION.search(message)
    if assertion:
        return assertion.group(1)
    found = _OP_ERROR.search(message)
    if found:
        return _TAIL.sub("", found.group(1))
    lines = [line.strip() for line in message.splitlines()]
    return next((line for line in lines if line and not line.startswith((
        "Graph execution error", "Detected at node", "in user code", "File "))), message.strip())
