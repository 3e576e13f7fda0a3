"""Reading image headers in the graph: format, declared size, EXIF orientation, CMYK.

Headers are parsed with string ops over a whole batch at once (a matrix of leading bytes, a
vectorised walk over JPEG marker segments), so a batch of 256 files costs a few hundred ops,
not a few hundred per file. Nothing here decodes pixels. Pure tensor functions, safe inside
`tf.data`.
"""

import collections

import numpy as np
import tensorflow as tf

JPEG, PNG, GIF, BMP, WEBP, UNKNOWN = range(6)
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


_HEADER_BYTES = 32


def _header(contents):
    """int64 [n, 32]: the first 32 bytes of each string, zero-padded."""
    return tf.cast(_bytes_at(contents, 0, _HEADER_BYTES), tf.int64)


# Signatures and header fields are read for every format at once, each family with one
# comparison or one product against a constant table: a few graph nodes instead of a slice,
# a constant and a reduction per signature or field, which a `tf.data` function pays in
# tracing at every build and in graph optimisation at every epoch's start.
_SIGNATURES = {  # name: (offset, bytes)
    "soi": (0, b"\xff\xd8"), "jpeg": (0, b"\xff\xd8\xff"), "png": (0, b"\x89PNG\r\n\x1a\n"),
    "gif": (0, b"GIF8"), "bmp": (0, b"BM"), "riff": (0, b"RIFF"), "webp": (8, b"WEBP"),
    "vp8x": (12, b"VP8X"), "vp8l": (12, b"VP8L"),
}
_FIELDS = {  # name: (offset, length, little endian)
    "png_height": (20, 4, False), "png_width": (16, 4, False),
    "gif_height": (8, 2, True), "gif_width": (6, 2, True),
    "bmp_height": (22, 4, True), "bmp_width": (18, 4, True),
    "vp8x_height": (27, 3, True), "vp8x_width": (24, 3, True),
    "vp8l_bits": (21, 4, True), "vp8_height": (28, 2, True), "vp8_width": (26, 2, True),
    "first_marker": (2, 2, False), "app0_length": (4, 2, False),
}


def _signature_table():
    """(expected bytes, compared) int64/bool [signatures, 32] for `_signatures`."""
    expected = np.zeros([len(_SIGNATURES), _HEADER_BYTES], np.int64)
    compared = np.zeros([len(_SIGNATURES), _HEADER_BYTES], bool)
    for row, (offset, magic) in enumerate(_SIGNATURES.values()):
        expected[row, offset:offset + len(magic)] = list(magic)
        compared[row, offset:offset + len(magic)] = True
    return expected, compared


def _field_weights():
    """int64 [32, fields]: byte weights that turn a header into every `_FIELDS` value."""
    weights = np.zeros([_HEADER_BYTES, len(_FIELDS)], np.int64)
    for column, (offset, length, little_endian) in enumerate(_FIELDS.values()):
        for index in range(length):
            weights[offset + index, column] = 256 ** (index if little_endian
                                                      else length - 1 - index)
    return weights


_SIGNATURE_BYTES, _SIGNATURE_COMPARED = _signature_table()
_FIELD_WEIGHTS = _field_weights()


def _signatures(head):
    """name of `_SIGNATURES` -> bool [n]: the header holds those bytes at that offset."""
    found = tf.reduce_all(tf.equal(head[:, None, :], _SIGNATURE_BYTES) | ~_SIGNATURE_COMPARED,
                          axis=-1)
    return dict(zip(_SIGNATURES, tf.unstack(found, len(_SIGNATURES), axis=-1)))


def _fields(head):
    """name of `_FIELDS` -> int64 [n]: the unsigned integer at that place of the header."""
    values = tf.linalg.matmul(head, _FIELD_WEIGHTS)
    return dict(zip(_FIELDS, tf.unstack(values, len(_FIELDS), axis=-1)))


def _format_code(signatures):
    checks = tf.stack([
        signatures["jpeg"], signatures["png"], signatures["gif"], signatures["bmp"],
        signatures["riff"] & signatures["webp"], tf.ones_like(signatures["jpeg"]),
    ], axis=-1)
    return tf.cast(tf.argmax(tf.cast(checks, tf.int32), axis=-1), tf.int32)


def image_format(contents):
    """int32 [n]: JPEG, PNG, GIF, BMP, WEBP or UNKNOWN (module constants) for each string."""
    return _format_code(_signatures(_header(tf.reshape(contents, [-1]))))


def _is_animated_webp(head, signatures):
    return (signatures["riff"] & signatures["webp"] & signatures["vp8x"]
            & tf.not_equal(head[:, 20] // 2 % 2, 0))


def is_animated_webp(contents):
    """bool [n]: extended WebP with the animation flag (TensorFlow cannot decode these)."""
    head = _header(tf.reshape(contents, [-1]))
    return _is_animated_webp(head, _signatures(head))


def _header_size(fields, signatures, format_code):
    """(height, width) int64 [n] from PNG, GIF, BMP and WebP headers (0 for other formats)."""
    bmp_height = fields["bmp_height"]
    bmp_height = tf.where(bmp_height >= 2 ** 31, 2 ** 32 - bmp_height, bmp_height)  # top-down
    bits = fields["vp8l_bits"]
    extended, lossless = signatures["vp8x"], signatures["vp8l"]
    webp = [  # VP8X (extended), VP8L (lossless), VP8 (lossy)
        (fields["vp8x_height"] + 1, fields["vp8x_width"] + 1),
        (bits // 16384 % 16384 + 1, bits % 16384 + 1),
        (fields["vp8_height"] % 16384, fields["vp8_width"] % 16384),
    ]
    none = tf.zeros_like(bits)
    by_format = [  # indexed by format code: JPEG, PNG, GIF, BMP, WEBP, UNKNOWN
        (none, none),
        (fields["png_height"], fields["png_width"]),
        (fields["gif_height"], fields["gif_width"]),
        (bmp_height, fields["bmp_width"]),
        tuple(tf.where(extended, webp[0][i], tf.where(lossless, webp[1][i], webp[2][i]))
              for i in range(2)),
        (none, none),
    ]
    return tuple(tf.gather(tf.stack([sizes[axis] for sizes in by_format], axis=-1), format_code,
                           batch_dims=1)
                 for axis in range(2))


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


def _declared_size(contents, fields, signatures, format_code):
    """(height, width, found, cmyk) [n]; `cmyk` marks 4-component (CMYK/YCCK) JPEGs."""
    is_jpeg = tf.equal(format_code, JPEG)
    height, width = _header_size(fields, signatures, format_code)
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
    signatures = _signatures(head)
    return _declared_size(contents, _fields(head), signatures, _format_code(signatures))[:3]


def _batch_reader(contents):
    """read(position int [n], length) -> int64 [n, length]: bytes of each of tf.string [n]
    `contents` at its position, zero-padded at the end."""
    return lambda position, length: tf.cast(_bytes_at(contents, position, length), tf.int64)


def _file_reader(contents):
    """`_batch_reader` for one scalar tf.string, as [1, length] gathers from its bytes: a few
    graph nodes per read instead of `_bytes_at`'s string ops."""
    data = tf.io.decode_raw(tf.strings.join([contents, b"\0"]), tf.uint8)
    last = tf.size(data) - 1  # the zero appended: what every read past the end gives

    def read(position, length):
        index = tf.minimum(tf.cast(position, tf.int32)[:, None] + tf.range(length), last)
        return tf.cast(tf.gather(data, index), tf.int64)
    return read


# An 18-byte read where cameras and editors write the EXIF segment: APP1, its length (not
# compared), "Exif\0\0", then the TIFF header (byte order, 42, IFD0 offset).
_EXIF_BYTES = np.array([0xFF, 0xE1, 0, 0, *b"Exif\0\0"] + [0] * 8, np.int64)
_EXIF_COMPARED = np.array([1, 1, 0, 0] + [1] * 6 + [0] * 8, bool)
# The first 6 bytes of a JPEG -> SOI, the first marker after it, and that segment's length.
_JFIF_WEIGHTS = np.kron(np.eye(3, dtype=np.int64), [[256], [1]])
_TIFF_WEIGHTS = np.zeros([18, 3], np.int64)  # columns: byte order, offset LE, offset BE
_TIFF_WEIGHTS[10:12, 0] = [256, 1]
_TIFF_WEIGHTS[14:18, 1] = [1, 256, 256 ** 2, 256 ** 3]
_TIFF_WEIGHTS[14:18, 2] = [256 ** 3, 256 ** 2, 256, 1]


def _ifd_weights():
    """float32 [2 + 12 * entries, 2 * (1 + 2 * entries)]: IFD0 bytes -> its entry count, tags
    and first value halves, little-endian columns then big-endian ones. Every word is under
    2 ** 16, exact in float32."""
    entries = _MAX_EXIF_ENTRIES
    weights = np.zeros([2 + 12 * entries, 2, 1 + 2 * entries], np.float32)
    for order, (low, high) in enumerate(((1, 256), (256, 1))):
        weights[0:2, order, 0] = low, high  # count
        for entry in range(entries):
            at = 2 + 12 * entry
            weights[at:at + 2, order, 1 + entry] = low, high  # tag
            weights[at + 8:at + 10, order, 1 + entries + entry] = low, high  # value
    return weights.reshape([2 + 12 * entries, -1])


_IFD_WEIGHTS = _ifd_weights()


def _exif_segment(read, soi, first_marker, app0_length):
    """(has_exif [n], position [n], segment int64 [n, 18]): an APP1 "Exif" segment right
    after SOI or after JFIF APP0, where cameras and editors write it."""
    position = tf.where(tf.equal(first_marker, 0xFFE0), 4 + app0_length, 2)
    segment = read(position, 18)
    has_exif = soi & tf.reduce_all(tf.equal(segment, _EXIF_BYTES) | ~_EXIF_COMPARED, axis=-1)
    return has_exif, position, segment


def _exif_orientation(read, has_exif, position, segment):
    """Reads tag 0x0112 of IFD0 in either byte order; 1 where absent or damaged.

    One more read after the segment's: IFD0's entry count and its first `_MAX_EXIF_ENTRIES`
    entries, turned into words by one product with `_IFD_WEIGHTS`.
    """
    order, offset_little, offset_big = tf.unstack(
        tf.linalg.matmul(segment, _TIFF_WEIGHTS), 3, axis=-1)
    big = tf.cast(tf.not_equal(order, 0x4949), tf.int32)  # "II": little endian
    offset = tf.where(tf.equal(big, 0), offset_little, offset_big)
    ifd = read(position + 10 + tf.minimum(offset, 2 ** 30), 2 + 12 * _MAX_EXIF_ENTRIES)
    words = tf.cast(tf.linalg.matmul(tf.cast(ifd, tf.float32), _IFD_WEIGHTS), tf.int32)
    words = tf.gather(tf.reshape(words, [-1, 2, 1 + 2 * _MAX_EXIF_ENTRIES]), big, batch_dims=1)
    count, tags, values = tf.split(words, [1, _MAX_EXIF_ENTRIES, _MAX_EXIF_ENTRIES], axis=-1)
    found = tf.equal(tags, _EXIF_ORIENTATION_TAG) & (
        tf.range(_MAX_EXIF_ENTRIES) < tf.minimum(count, _MAX_EXIF_ENTRIES))
    value = tf.reduce_max(tf.where(found, values, 0), axis=-1)
    return tf.where(has_exif & (value >= 1) & (value <= 8), value, 1)


def _batch_exif(contents, fields, signatures):
    """(has_exif, orientation) [n] of a batch; IFD0 is read only when some image has EXIF."""
    read = _batch_reader(contents)
    has_exif, position, segment = _exif_segment(read, signatures["soi"],
                                                fields["first_marker"], fields["app0_length"])
    orientation = tf.cond(tf.reduce_any(has_exif),
                          lambda: _exif_orientation(read, has_exif, position, segment),
                          lambda: tf.ones_like(has_exif, tf.int32))
    return has_exif, orientation


def exif_orientation(contents):
    """int32 [n]: the EXIF Orientation (1-8) of JPEG bytes; 1 when absent or damaged."""
    contents = tf.reshape(contents, [-1])
    head = _header(contents)
    return _batch_exif(contents, _fields(head), _signatures(head))[1]


Headers = collections.namedtuple(
    "Headers", "format_code height width found cmyk animated_webp has_exif orientation")
Headers.__doc__ = """What the headers of a batch of encoded images declare; each field is [n].

Fields: `format_code` (int32: JPEG, PNG, GIF, BMP, WEBP or UNKNOWN), `height`, `width` (int64,
as stored, before EXIF orientation), `found` (the size was read), `cmyk` (4-component JPEG),
`animated_webp`, `has_exif` (a JPEG with an EXIF segment where cameras write it) and
`orientation` (int32 EXIF Orientation 1-8; 1 when absent or damaged).
"""


def parse_headers(contents):
    """Parses the headers of tf.string [n] encoded images into `Headers`."""
    contents = tf.reshape(contents, [-1])
    head = _header(contents)
    signatures, fields = _signatures(head), _fields(head)
    format_code = _format_code(signatures)
    height, width, found, cmyk = _declared_size(contents, fields, signatures, format_code)
    has_exif, orientation = _batch_exif(contents, fields, signatures)
    has_exif = has_exif & tf.equal(format_code, JPEG)
    return Headers(format_code, height, width, found, cmyk, _is_animated_webp(head, signatures),
                   has_exif, orientation)


def plain_jpeg_heads(heads):
    """bool [n]: the first bytes `heads` of files show a JPEG without an EXIF segment (looked
    for after SOI and after a JFIF APP0, as `parse_headers` does); False also where they are
    too short to tell.

    Written with string ops on the heads, in a third of the graph nodes of the general parser:
    this check runs in every chunk of the fast path, and a `tf.data` function's nodes cost
    tracing time at every build and graph optimisation at every epoch's start.
    """
    heads = tf.reshape(heads, [-1])
    # Padded, so that every slice below lies inside the string.
    padded = tf.strings.join([heads, b"\0" * 16])
    app0 = tf.equal(tf.strings.substr(padded, 2, 2), b"\xff\xe0")
    app0_length = tf.reduce_sum(tf.cast(tf.io.decode_raw(tf.strings.substr(padded, 4, 2),
                                                         tf.uint8), tf.int32) * [256, 1], -1)
    position = tf.where(app0, 4 + app0_length, 2)
    size = tf.strings.length(heads)
    segment = tf.strings.substr(padded, tf.minimum(position, size), tf.fill(tf.shape(size), 10))
    exif = (tf.equal(tf.strings.substr(segment, 0, 2), b"\xff\xe1")
            & tf.equal(tf.strings.substr(segment, 4, 6), b"Exif\0\0"))
    soi = tf.equal(tf.strings.substr(padded, 0, 3), b"\xff\xd8\xff")
    return soi & ~exif & (position + 10 <= size)


def jpeg_headers(contents, shape):
    """`Headers` (of one) of a JPEG whose frame was read by libjpeg (`tf.io.extract_jpeg_shape`).

    Args:
        contents: scalar tf.string of JPEG bytes.
        shape: int [3] (height, width, components).

    Returns:
        `Headers` whose fields are [1], with `found` and `animated_webp` None; the orientation
        is read with gathers from the bytes and without a `tf.cond` (for one image the branch
        would skip nothing): a fraction of the batch parser's graph.
    """
    read = _file_reader(contents)
    soi, first_marker, app0_length = tf.unstack(
        tf.linalg.matmul(read(tf.zeros([1], tf.int64), 6), _JFIF_WEIGHTS), 3, axis=-1)
    has_exif, position, segment = _exif_segment(read, tf.equal(soi, 0xFFD8), first_marker,
                                                app0_length)
    height, width, components = tf.split(tf.cast(shape, tf.int64), 3)
    return Headers(tf.fill([1], JPEG), height, width, None, tf.equal(components, 4), None,
                   has_exif, _exif_orientation(read, has_exif, position, segment))
