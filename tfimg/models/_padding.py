"""Mirror padding on `keras.ops` that every backend computes alike."""

from keras import ops


def mirror_pad(images, axis, before, after):
    """`images` with `before` and `after` rows or columns mirrored onto the sides of `axis`,
    edge pixels repeated (NumPy's "symmetric": x1 x0 | x0 .. xn | xn xn-1), by a gather: the
    PyTorch backend turns `ops.pad`'s "symmetric" into "replicate". Sides shorter than the
    padding repeat their pixels. Builtin LiteRT ops only (GATHER)."""
    size = ops.shape(images)[axis]
    head = ops.flip(ops.arange(before, dtype="int32"), 0)
    tail = (size - 1) - ops.arange(after, dtype="int32")
    indices = ops.concatenate([head, ops.arange(size, dtype="int32"), tail])
    return ops.take(images, ops.clip(indices, 0, size - 1), axis=axis)
