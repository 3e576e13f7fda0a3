"""Decoding encoded image bytes into uint8 tensors, inside the graph.

`decode_batch` is the decoder of the input layer and of exported serving signatures:

- the format is recognised by content: JPEG, PNG (8 and 16 bit), GIF (first frame), BMP, WebP;
- the declared pixel count is read from the header and checked before any pixel is decoded, so a
  decompression bomb or a file of another kind fails fast;
- JPEGs are turned by their EXIF orientation, the way a photo viewer shows them, and decoded with
  the accurate integer IDCT, which gives the same pixels as PIL;
- when the image will be shrunk a lot, JPEGs are decoded at 1/2, 1/4 or 1/8 scale in the DCT
  domain (libjpeg's scaled IDCT), several times faster than a full decode.

Headers are parsed with string ops over the whole batch at once and images are grouped by
decoder, so the per-image work has no control flow: on a small CPU a `tf.cond` costs more than
decoding a 32x32 JPEG. Every function here is a pure tensor function, safe inside `tf.data`.
"""

import tensorflow as tf

from tfimg.data.formats import DEFAULT_MAX_PIXELS
from tfimg.ops.geometry import apply_orientation, resize

JPEG, PNG, GIF, BMP, WEBP, UNKNOWN = range(6)
_DCT_RATIOS = (1, 2, 4, 8)
_EXIF_ORIENTATION_TAG = 0x0112
_MAX_EXIF_ENTRIES = 32
_MAX_JPEG_SEGMENTS = 32


def _bytes_at(contents, position, length):
    """uint8 [n, length]: `length` bytes of each string at `position`, zero-padded at the end."""
    size = tf.strings.length(contents)
    position = tf.clip_by_value(tf.cast(position, tf.int32) + tf.zeros_like(size), 0, size)
    part = tf.strings.substr(contents, position, tf.ones_like(position) * length)
    padded = tf.strings.substr(tf.strings.join([part, b"\0" * length]), 0, length)
    return tf.reshape(tf.io.decode_raw(padded, tf.uint8), [-1, length])


def _unsigned(contents, position, length, little_endian):
    """int64 [n]: unsigned integers of `length` bytes; `little_endian` is a bool [n] or scalar."""
    digits = tf.cast(_bytes_at(contents, position, length), tf.int64)
    weights = tf.constant([256 ** i for i in range(length)], tf.int64)
    little = tf.reduce_sum(digits * weights, axis=-1)
    big = tf.reduce_sum(digits * weights[::-1], axis=-1)
    return tf.where(little_endian, little, big)


def _matches(contents, position, magic):
    """bool [n]: the bytes at `position` equal `magic`."""
    found = _bytes_at(contents, position, len(magic))
    return tf.reduce_all(tf.equal(found, tf.constant(list(magic), tf.uint8)), axis=-1)


_HEADER_BYTES = 32


def _header(contents):
    """int64 [n, 32]: the first 32 bytes of each string, zero-padded."""
    return tf.cast(_bytes_at(contents, 0, _HEADER_BYTES), tf.int64)


def _field(head, offset, length, little_endian=True):
    """int64 [n]: unsigned integer of `length` bytes at `offset` of a header matrix."""
    columns = head[:, offset:offset + length]
    weights = [256 ** i for i in range(length)]
    return tf.reduce_sum(columns * tf.constant(weights if little_endian else weights[::-1],
                                               tf.int64), axis=-1)


def _head_matches(head, offset, magic):
    expected = tf.constant(list(magic), tf.int64)
    return tf.reduce_all(tf.equal(head[:, offset:offset + len(magic)], expected), axis=-1)


def _format_code(head):
    checks = tf.stack([
        _head_matches(head, 0, b"\xff\xd8\xff"),
        _head_matches(head, 0, b"\x89PNG\r\n\x1a\n"),
        _head_matches(head, 0, b"GIF8"),
        _head_matches(head, 0, b"BM"),
        _head_matches(head, 0, b"RIFF") & _head_matches(head, 8, b"WEBP"),
        tf.ones_like(head[:, 0], tf.bool),
    ], axis=-1)
    return tf.cast(tf.argmax(tf.cast(checks, tf.int32), axis=-1), tf.int32)


def image_format(contents):
    """int32 [n]: JPEG, PNG, GIF, BMP, WEBP or UNKNOWN (module constants) for each string."""
    return _format_code(_header(tf.reshape(contents, [-1])))


def _is_animated_webp(head):
    return (_head_matches(head, 0, b"RIFF") & _head_matches(head, 8, b"WEBP")
            & _head_matches(head, 12, b"VP8X") & tf.not_equal(head[:, 20] // 2 % 2, 0))


def is_animated_webp(contents):
    """bool [n]: extended WebP with the animation flag (TensorFlow cannot decode these)."""
    return _is_animated_webp(_header(tf.reshape(contents, [-1])))


def _header_size(head, format_code):
    """(height, width) int64 [n] from PNG, GIF, BMP and WebP headers (0 for other formats)."""
    bmp_height = _field(head, 22, 4)
    bmp_height = tf.where(bmp_height >= 2 ** 31, 2 ** 32 - bmp_height, bmp_height)  # top-down
    bits = _field(head, 21, 4)
    extended, lossless = _head_matches(head, 12, b"VP8X"), _head_matches(head, 12, b"VP8L")
    webp = [  # VP8X (extended), VP8L (lossless), VP8 (lossy)
        (_field(head, 27, 3) + 1, _field(head, 24, 3) + 1),
        (bits // 16384 % 16384 + 1, bits % 16384 + 1),
        (_field(head, 28, 2) % 16384, _field(head, 26, 2) % 16384),
    ]
    sizes = {
        PNG: (_field(head, 20, 4, False), _field(head, 16, 4, False)),
        GIF: (_field(head, 8, 2), _field(head, 6, 2)),
        BMP: (bmp_height, _field(head, 18, 4)),
        WEBP: tuple(tf.where(extended, webp[0][i], tf.where(lossless, webp[1][i], webp[2][i]))
                    for i in range(2)),
    }
    height = tf.zeros_like(head[:, 0])
    width = tf.zeros_like(head[:, 0])
    for code, (h, w) in sizes.items():
        height = tf.where(tf.equal(format_code, code), h, height)
        width = tf.where(tf.equal(format_code, code), w, width)
    return height, width


def _jpeg_size(contents):
    """(height, width, found, components) [n] from the JPEG frame header, walking the marker
    segments.

    The walk runs over the whole batch at once and follows segment lengths, so a thumbnail
    inside an EXIF segment is never mistaken for the image. `found` is False where no SOF
    marker was reached within `_MAX_JPEG_SEGMENTS` segments.
    """
    sof = tf.constant([m for m in range(0xC0, 0xD0) if m not in (0xC4, 0xC8, 0xCC)], tf.int64)

    def segment(position):
        """(marker, length) [n] of the segment at `position`."""
        raw = tf.cast(_bytes_at(contents, position, 4), tf.int64)
        return raw[:, 0] * 256 + raw[:, 1], raw[:, 2] * 256 + raw[:, 3]

    def is_frame(marker):
        return tf.reduce_any(tf.equal(marker[:, None] - 0xFF00, sof[None, :]), axis=-1)

    def step(count, position, done):
        marker, length = segment(position)
        valid = tf.equal(marker // 256, 0xFF) & (marker != 0xFFD9) & (marker != 0xFFDA)
        done = done | is_frame(marker) | ~valid
        position = tf.where(done, position, position + 2 + length)
        return count + 1, tf.ensure_shape(position, contents.shape), \
            tf.ensure_shape(done, contents.shape)

    start = tf.fill(tf.shape(contents), tf.constant(2, tf.int64))
    _, position, _ = tf.while_loop(
        lambda count, _, done: (count < _MAX_JPEG_SEGMENTS) & ~tf.reduce_all(done), step,
        (tf.constant(0), start, tf.zeros_like(contents, tf.bool)))
    found = is_frame(segment(position)[0])
    frame = tf.cast(_bytes_at(contents, position + 5, 5), tf.int64)
    return frame[:, 0] * 256 + frame[:, 1], frame[:, 2] * 256 + frame[:, 3], found, frame[:, 4]


def _declared_size(contents, head, format_code):
    """(height, width, found, cmyk) [n]; `cmyk` marks 4-component (CMYK/YCCK) JPEGs."""
    is_jpeg = tf.equal(format_code, JPEG)
    height, width = _header_size(head, format_code)
    jpeg_height, jpeg_width, jpeg_found, components = _jpeg_size(contents)
    found = tf.where(is_jpeg, jpeg_found, format_code < UNKNOWN)
    return (tf.where(is_jpeg, jpeg_height, height), tf.where(is_jpeg, jpeg_width, width), found,
            is_jpeg & tf.equal(components, 4))


def declared_size(contents):
    """(height, width, found) int64/bool [n] as stored, read from headers without decoding.

    `found` is False for unknown formats and JPEGs whose frame header was not reached.
    """
    contents = tf.reshape(contents, [-1])
    head = _header(contents)
    return _declared_size(contents, head, _format_code(head))[:3]


def _exif_segment(contents, head):
    """(has_exif, position) [n]: an APP1 "Exif" segment right after SOI or after JFIF APP0,
    where cameras and editors write it."""
    first = _field(head, 2, 2, False)
    position = tf.where(tf.equal(first, 0xFFE0), 4 + _field(head, 4, 2, False), 2)
    segment = tf.cast(_bytes_at(contents, position, 10), tf.int64)
    expected = tf.constant([0xFF, 0xE1, 0, 0, *b"Exif\0\0"], tf.int64)
    mask = tf.constant([1, 1, 0, 0, 1, 1, 1, 1, 1, 1], tf.int64)
    has_exif = _head_matches(head, 0, b"\xff\xd8") & tf.reduce_all(
        tf.equal(segment * mask, expected), axis=-1)
    return has_exif, position


def _exif_orientation(contents, has_exif, segment):
    """Reads tag 0x0112 of IFD0 in either byte order; 1 where absent or damaged."""
    tiff = segment + 10
    little = _matches(contents, tiff, b"II")
    ifd = tiff + tf.minimum(_unsigned(contents, tiff + 4, 4, little), 2 ** 30)
    count = tf.minimum(_unsigned(contents, ifd, 2, little), _MAX_EXIF_ENTRIES)
    raw = tf.reshape(tf.cast(_bytes_at(contents, ifd + 2, 12 * _MAX_EXIF_ENTRIES), tf.int32),
                     [-1, _MAX_EXIF_ENTRIES, 12])
    little = little[:, None]
    tags = tf.where(little, raw[..., 0] + 256 * raw[..., 1], 256 * raw[..., 0] + raw[..., 1])
    values = tf.where(little, raw[..., 8] + 256 * raw[..., 9], 256 * raw[..., 8] + raw[..., 9])
    found = tf.equal(tags, _EXIF_ORIENTATION_TAG) & (
        tf.range(_MAX_EXIF_ENTRIES, dtype=tf.int64)[None, :] < count[:, None])
    value = tf.reduce_max(tf.where(found, values, 0), axis=-1)
    return tf.where(has_exif & (value >= 1) & (value <= 8), value, 1)


def exif_orientation(contents):
    """int32 [n]: the EXIF Orientation (1-8) of JPEG bytes; 1 when absent or damaged."""
    contents = tf.reshape(contents, [-1])
    has_exif, segment = _exif_segment(contents, _header(contents))
    return tf.cond(tf.reduce_any(has_exif),
                   lambda: _exif_orientation(contents, has_exif, segment),
                   lambda: tf.ones_like(has_exif, tf.int32))


def dct_ratio_index(height, width, size, mode):
    """int32 [n]: index into (1, 2, 4, 8) of the largest JPEG DCT scale-down after which
    resizing to `size` under `mode` still only shrinks (or keeps) the image."""
    ratio_height = tf.cast(height, tf.float32) / size[0]
    ratio_width = tf.cast(width, tf.float32) / size[1]
    reduce = tf.maximum if mode == "pad" else tf.minimum
    bound = reduce(ratio_height, ratio_width)
    ratios = tf.constant(_DCT_RATIOS[1:], tf.float32)
    return tf.reduce_sum(tf.cast(ratios[None, :] <= bound[:, None], tf.int32), axis=-1)


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
    """Validates headers; returns (format_code, height, width, orientation, cmyk) of each image.

    `cmyk` marks 4-component JPEGs: libjpeg converts them to RGB but not to grayscale.
    """
    if channels not in (1, 3):
        raise ValueError(f"Expected channels in (1, 3), received channels={channels}")
    head = _header(contents)
    format_code = _format_code(head)
    is_jpeg = tf.equal(format_code, JPEG)
    height, width, found, cmyk = _declared_size(contents, head, format_code)
    checks = [
        _assert(format_code < UNKNOWN, "not a JPEG, PNG, GIF, BMP or WebP image"),
        _assert(found, "image size not found in the header"),
        _assert(~_is_animated_webp(head), "animated WebP is not supported"),
        _assert(height * width <= max_pixels, f"declared pixel count over {max_pixels}"),
    ]
    with tf.control_dependencies(checks):
        format_code = tf.identity(format_code)
    has_exif, segment = _exif_segment(contents, head)
    has_exif = has_exif & is_jpeg
    orientation = tf.cond(tf.reduce_any(has_exif),
                          lambda: _exif_orientation(contents, has_exif, segment),
                          lambda: tf.ones_like(has_exif, tf.int32))
    return format_code, height, width, orientation, cmyk


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
    format_code, _, _, orientation, cmyk = _check(contents, channels, max_pixels)
    kind = tf.where(cmyk[0], 2, tf.where(tf.equal(format_code[0], JPEG), 0, 1))
    image = tf.switch_case(kind, [
        lambda: _decode_jpeg(contents[0], orientation[0], channels, 1),
        lambda: _decode_other(contents[0], channels),
        lambda: _decode_jpeg(contents[0], orientation[0], channels, 1, cmyk=True)])
    image.set_shape([None, None, channels])
    return image


# Decoder groups: (DCT ratio or None for non-JPEG formats, turned and resized). Group 0, plain
# JPEGs that need neither, is the common case and does nothing but decode. Each group runs as
# its own top-level `tf.map_fn`: a loop nested in a `tf.cond`/`tf.switch_case` branch is not
# lowered inside `tf.data` and costs milliseconds per call.
# The last group holds CMYK JPEGs.
_GROUPS = ((1, False), (1, True), (2, True), (4, True), (8, True), (None, False), (None, True),
           ("cmyk", True))


def _decode_one(contents, orientation, ratio, adjusted, size, channels, mode, antialias):
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
    return to_uint8(resize(image, size, mode, antialias))


def decode_batch(contents, size, channels=3, mode="stretch", antialias=True,
                 max_pixels=DEFAULT_MAX_PIXELS):
    """Decodes and resizes a batch of encoded images of any formats and sizes.

    Args:
        contents: tf.string [n] of encoded images.
        size: (height, width) of the output.
        channels: 3 (RGB) or 1 (grayscale).
        mode: resize mode, "stretch", "crop" or "pad" (see `tfimg.ops.resize`).
        antialias: filter when shrinking.
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
    format_code, height, width, orientation, cmyk = _check(contents, channels, max_pixels)
    is_jpeg = tf.equal(format_code, JPEG) & ~cmyk
    transposed = orientation >= 5
    displayed = (tf.where(transposed, width, height), tf.where(transposed, height, width))
    ratio_index = tf.where(is_jpeg, dct_ratio_index(*displayed, size, mode), 0)
    ratio = tf.gather(tf.constant(_DCT_RATIOS, tf.int64), ratio_index)
    # libjpeg's scaled output is ceil(side / ratio).
    decoded = [-(-side // ratio) for side in displayed]
    resized = ~(tf.equal(decoded[0], size[0]) & tf.equal(decoded[1], size[1]))
    adjusted = resized | (orientation != 1)
    group = tf.where(is_jpeg, tf.where(adjusted, 1 + ratio_index, 0),
                     tf.where(cmyk, 7, tf.where(resized, 6, 5)))
    positions = tf.dynamic_partition(tf.range(tf.size(contents)), group, len(_GROUPS))
    outputs = []
    for part, (group_ratio, group_adjusted) in zip(positions, _GROUPS):
        def decode(item, group_ratio=group_ratio, group_adjusted=group_adjusted):
            return _decode_one(*item, group_ratio, group_adjusted, size, channels, mode,
                               antialias)
        items = (tf.gather(contents, part), tf.gather(orientation, part))
        outputs.append(tf.map_fn(decode, items, fn_output_signature=spec,
                                 parallel_iterations=1))
    images = tf.dynamic_stitch(positions, outputs)
    return tf.ensure_shape(images, [None, *size, channels])
