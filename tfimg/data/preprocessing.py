"""What a model sees: the one description of how encoded images become model inputs.

A `Preprocessing` is built once when a model is trained, stored in its model folder's
`metadata.json` under "preprocessing", and read back by every later step (the input pipeline,
evaluation, prediction, the export's serving signature and its parity check), so that no step
re-assembles it from loose settings (keras-hub's `ImageConverter` plays the same part).

    preprocessing = Preprocessing(image_size=(32, 32), normalize="standardize")
    images = preprocessing(tf.constant([jpeg_bytes]))   # float32 [1, 32, 32, 3]
    metadata["preprocessing"] = preprocessing.to_json()
"""

import dataclasses
import os
import stat

import tensorflow as tf

from tfimg.data.decode import ANTIALIAS, decode_batch, decode_error_reason, decode_resized
from tfimg.data.scan import scan_bytes
from tfimg.formats import DEFAULT_MAX_PIXELS
from tfimg.ops.geometry import RESIZE_MODES
from tfimg.ops.normalize import NORMALIZATIONS, normalize

# Keys of model folders written before "preprocessing" existed; `from_metadata` reads them.
_LEGACY_KEYS = ("image_size", "channels", "normalize", "resize_mode")


@dataclasses.dataclass(frozen=True)
class Preprocessing:
    """Decoding, resizing and normalisation of encoded images for a model.

    Attributes:
        image_size: (height, width) of the model's input.
        channels: 3 (RGB) or 1 (grayscale).
        resize_mode: "stretch", "crop" (centre crop to the aspect ratio) or "pad".
        antialias: the filter when shrinking: "auto" (an area average after the JPEG DCT
            scale-down when the image shrinks on both axes, else as True; faster and closer
            to PIL's Lanczos resize), True (bilinear widened by the scale factor, the filter of
            model folders written before "auto" existed) or False (plain bilinear).
        normalize: "standardize" (per image), "caffe" (ImageNet ResNet50),
            "cifar10" (CIFAR-10 channel means and deviations), "unit" ([0, 1]),
            "symmetric" ([-1, 1]) or "none" (float32 [0, 255]).
        max_pixels: largest declared height * width decoded (a decompression-bomb bound).
    """

    image_size: tuple = (224, 224)
    channels: int = 3
    resize_mode: str = "stretch"
    antialias: object = "auto"
    normalize: str = "standardize"
    max_pixels: int = DEFAULT_MAX_PIXELS

    def __post_init__(self):
        size = self.image_size
        size = (size, size) if isinstance(size, int) else tuple(int(s) for s in size)
        if len(size) != 2 or min(size) <= 0:
            raise ValueError(f"Expected image_size (height, width) > 0, received "
                             f"{self.image_size!r}")
        object.__setattr__(self, "image_size", size)
        if self.channels not in (1, 3):
            raise ValueError(f"Expected channels in (1, 3), received {self.channels!r}")
        if self.resize_mode not in RESIZE_MODES:
            raise ValueError(f"Expected resize_mode in {RESIZE_MODES}, received "
                             f"{self.resize_mode!r}")
        if not (isinstance(self.antialias, bool) or self.antialias == "auto"):
            raise ValueError(f"Expected antialias in {ANTIALIAS}, received {self.antialias!r}")
        if self.normalize not in NORMALIZATIONS:
            raise ValueError(f"Expected normalize in {tuple(NORMALIZATIONS)}, received "
                             f"{self.normalize!r}")
        if self.max_pixels is None or self.max_pixels <= 0:
            raise ValueError(f"Expected max_pixels > 0, received {self.max_pixels!r}")

    @property
    def input_shape(self):
        """(height, width, channels) of the model's input."""
        return (*self.image_size, self.channels)

    def decode(self, image_bytes):
        """tf.string [n] encoded images -> uint8 [n, height, width, channels], upright (EXIF),
        resized. Safe inside `tf.data` and a SavedModel; fails on an image it cannot decode."""
        return decode_batch(image_bytes, self.image_size, self.channels, self.resize_mode,
                            self.antialias, self.max_pixels)

    def decode_one(self, contents):
        """`decode` for one image (a scalar tf.string) -> uint8 (height, width, channels): the
        same pixels, without `decode_batch`'s per-format loops (`decode_resized`)."""
        return decode_resized(contents, self.image_size, self.channels, self.resize_mode,
                              self.antialias, self.max_pixels)

    def normalize_images(self, images):
        """[0, 255] images (rank 3 or 4, any real dtype) -> float32 model inputs."""
        return normalize(images, self.normalize)

    def __call__(self, image_bytes):
        """tf.string [n] encoded images -> float32 [n, height, width, channels] model inputs."""
        return self.normalize_images(self.decode(image_bytes))

    def decoder(self):
        """`self` on one image's bytes (a scalar tf.string) as a `tf.function` traced once:
        float32 [1, height, width, channels], decoded by `decode_one`."""
        def decode(contents):
            return self.normalize_images(self.decode_one(contents)[None])
        return tf.function(decode, input_signature=[tf.TensorSpec([], tf.string)])

    def to_json(self):
        """The settings as JSON values, as stored under "preprocessing" in a model folder."""
        return {**dataclasses.asdict(self), "image_size": list(self.image_size)}

    @classmethod
    def from_json(cls, values):
        """The inverse of `to_json`; ValueError naming unknown keys."""
        if not isinstance(values, dict):
            raise ValueError(f"Expected a JSON object of preprocessing settings, received "
                             f"{type(values).__name__}")
        unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"Unknown preprocessing settings {sorted(unknown)}")
        return cls(**values)

    @classmethod
    def from_metadata(cls, metadata):
        """The preprocessing a model folder's metadata records, including folders written
        before it had a "preprocessing" entry (loose `image_size`, `channels`, `normalize`,
        `resize_mode` keys, always antialiased). A model decodes at serving what it was trained
        on: an entry without "antialias" means True, the only filter before "auto"."""
        if "preprocessing" in metadata:
            return cls.from_json({"antialias": True, **metadata["preprocessing"]})
        missing = [key for key in _LEGACY_KEYS[:3] if key not in metadata]
        if missing:
            raise ValueError(f"Expected 'preprocessing' in the model's metadata, received "
                             f"neither it nor {missing}")
        return cls(**{key: metadata[key] for key in _LEGACY_KEYS if key in metadata},
                   antialias=True)


def decode_file(decoder, path):
    """`decoder` (from `Preprocessing.decoder`) applied to a file's bytes.

    Raises:
        ValueError naming the file and the cause when it cannot be decoded: the scanner's
        finding ("corrupt: ... image file is truncated", "not_image: ...", "unsupported:
        animated WebP ...", "too_large: ..."), else the decoder's own reason.
        OSError when it cannot be read.
    """
    # A FIFO or a device would block or never end: only regular files are read.
    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        raise ValueError(f"Cannot read {os.fspath(path)!r}: not a regular file (a folder, "
                         f"FIFO or device)")
    with open(path, "rb") as file:
        contents = file.read()
    try:
        return decoder(tf.constant(contents))
    except tf.errors.InvalidArgumentError as error:
        entry = scan_bytes(contents, max_pixels=DEFAULT_MAX_PIXELS)
        reason = (f"{entry.status}: {entry.reason}" if entry.status != "ok" else
                  decode_error_reason(error))
        raise ValueError(f"Cannot decode {os.fspath(path)!r}: {reason}") from None


def load_images(image_paths, preprocessing):
    """The files at `image_paths` as one float32 batch of model inputs.

    Raises:
        ValueError naming the first file that cannot be decoded.
    """
    decoder = preprocessing.decoder()
    return tf.concat([decode_file(decoder, path) for path in image_paths], axis=0)
