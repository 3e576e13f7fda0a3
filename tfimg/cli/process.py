"""`tfimg process OP INPUT OUTPUT [--PARAM VALUE ...]`: one image operation on a file or on every
image of a folder (OUTPUT then mirrors its relative names and formats), through tf.data.
`tfimg process --list` lists the operations and their parameters."""

import inspect
import os
import sys

from tfimg.formats import DEFAULT_MAX_PIXELS

# Every flag an operation may read, with its type. Images are read as uint8, so levels,
# thresholds and offsets are grey levels 0..255.
PARAMETERS = {
    "delta": float, "factor": float, "gamma": float, "gain": float, "clip_limit": float,
    "tile_grid_size": int, "ksize": int, "sigma": float, "diameter": int, "sigma_color": float,
    "sigma_space": float, "amount": float, "dx": int, "dy": int, "low_threshold": float,
    "high_threshold": float, "t": float, "block_size": int, "c": float, "method": str,
    "shape": str, "iterations": int, "patch_size": int, "omega": float, "t0": float,
    "radius": int, "eps": float, "mask": str,
}
# name -> (what it reads: "rgb" or "gray", the parameters it takes). The function is
# tfimg.ops.<name>, but for inpaint (tfimg.cv.inpaint); morphology takes --ksize (a rectangle)
# or --shape with --ksize (tfimg.ops.structuring_element) as its kernel.
OPERATIONS = {
    "grayscale": ("rgb", ()),
    "adjust_brightness": ("rgb", ("delta",)),
    "adjust_contrast": ("rgb", ("factor",)),
    "adjust_gamma": ("rgb", ("gamma", "gain")),
    "adjust_hue": ("rgb", ("delta",)),
    "adjust_saturation": ("rgb", ("factor",)),
    "equalize_histogram": ("gray", ()),
    "clahe": ("gray", ("clip_limit", "tile_grid_size")),
    "box_blur": ("rgb", ("ksize",)),
    "gaussian_blur": ("rgb", ("ksize", "sigma")),
    "median_blur": ("rgb", ("ksize",)),
    "bilateral_filter": ("rgb", ("diameter", "sigma_color", "sigma_space")),
    "unsharp_mask": ("rgb", ("ksize", "sigma", "amount")),
    "sobel": ("gray", ("dx", "dy", "ksize")),
    "laplacian": ("gray", ("ksize",)),
    "canny": ("gray", ("low_threshold", "high_threshold")),
    "threshold": ("gray", ("t",)),
    "adaptive_threshold": ("gray", ("block_size", "c", "method")),
    "erode": ("rgb", ("ksize", "shape", "iterations")),
    "dilate": ("rgb", ("ksize", "shape", "iterations")),
    "opening": ("rgb", ("ksize", "shape", "iterations")),
    "closing": ("rgb", ("ksize", "shape", "iterations")),
    "morphological_gradient": ("rgb", ("ksize", "shape", "iterations")),
    "dehaze": ("rgb", ("patch_size", "omega", "t0", "radius", "eps")),
    "inpaint": ("rgb", ("mask", "method", "radius")),
}
MORPHOLOGY = ("erode", "dilate", "opening", "closing", "morphological_gradient")
# Derivatives are float32 in grey levels per pixel; they are written as |value| saturated to
# 0..255 (OpenCV's convertScaleAbs).
DERIVATIVES = ("sobel", "laplacian")


def add_parser(verbs):
    parser = verbs.add_parser(
        "process", help="apply an image operation to a file or a folder",
        description=__doc__)
    parser.add_argument("op", nargs="?", choices=sorted(OPERATIONS), metavar="OP",
                        help="the operation (--list shows them with their parameters)")
    parser.add_argument("input", nargs="?", help="an image file or a folder of images")
    parser.add_argument("output", nargs="?", help="the output file, or folder for a folder")
    parser.add_argument("--list", action="store_true",
                        help="list the operations and their parameters (default: off)")
    parser.add_argument("--max-pixels", type=int, default=None,
                        help=f"largest width*height read (default {DEFAULT_MAX_PIXELS:,})")
    group = parser.add_argument_group(
        "operation parameters", "read by the operations that take them (see --list); a "
        "parameter left out takes the operation's default")
    for name, kind in PARAMETERS.items():
        flags = [f"--{name.replace('_', '-')}"] + ([f"--{name}"] if "_" in name else [])
        group.add_argument(*flags, dest=name, type=kind, default=None,
                           help=f"{kind.__name__} (default: the operation's own, see --list)")
    parser.set_defaults(run=run)


def _function(name):
    if name == "inpaint":
        from tfimg.cv import inpaint
        return inpaint
    import tfimg.ops
    return getattr(tfimg.ops, name)


def _signature(name):
    """(parameter, default or None when required) of each parameter `name` reads."""
    parameters = inspect.signature(_function(name)).parameters
    reads, result = OPERATIONS[name][1], []
    for parameter in reads:
        known = parameters.get(parameter)
        if known is not None and known.default is not inspect.Parameter.empty:
            result.append((parameter, known.default))
        elif name in MORPHOLOGY and parameter in ("ksize", "shape"):
            result.append((parameter, "N" if parameter == "ksize" else "rect|ellipse|cross"))
        else:
            result.append((parameter, None))
    return result


def list_operations():
    """Lines `OP  --param DEFAULT ...` for every operation ('required' for no default)."""
    lines = []
    for name in sorted(OPERATIONS):
        reads = OPERATIONS[name][0]
        described = [f"--{parameter.replace('_', '-')} "
                     f"{'required' if default is None else default}"
                     for parameter, default in _signature(name)]
        morphology = (" (kernel: the op's 3x3 rectangle unless --ksize; --shape needs --ksize)"
                      if name in MORPHOLOGY else "")
        lines.append(f"{name:24s} [{reads}] {' '.join(described)}{morphology}".rstrip())
    return lines


def operation_arguments(name, args):
    """The keyword arguments of operation `name` from the parsed flags.

    Raises:
        ValueError naming the flag: one the operation does not read, or a required one left out.
    """
    reads = OPERATIONS[name][1]
    given = {parameter: getattr(args, parameter) for parameter in PARAMETERS
             if getattr(args, parameter) is not None}
    foreign = sorted(set(given) - set(reads))
    if foreign:
        flags = ", ".join(f"--{parameter.replace('_', '-')}" for parameter in foreign)
        accepted = ", ".join(f"--{p.replace('_', '-')}" for p in reads) or "no parameters"
        raise ValueError(f"{name} does not read {flags} (it takes {accepted})")
    for parameter, default in _signature(name):
        if default is None and parameter not in given:
            raise ValueError(f"{name} needs --{parameter.replace('_', '-')}")
    if name == "clahe" and "tile_grid_size" in given:
        given["tile_grid_size"] = (given["tile_grid_size"],) * 2
    if name in MORPHOLOGY:
        shape, ksize = given.pop("shape", None), given.pop("ksize", None)
        if shape is not None and ksize is None:
            raise ValueError(f"{name} --shape {shape} needs --ksize")
        if ksize is not None:
            import tfimg.ops
            given["kernel"] = ksize if shape is None else tfimg.ops.structuring_element(shape,
                                                                                        ksize)
    return given


def _mask_for(args, label):
    """The inpainting mask of one image: --mask is a mask file for every image, or a folder
    of masks under the same relative names."""
    from tfimg.cli.images import read_image

    path = os.path.join(args.mask, label) if os.path.isdir(args.mask) else args.mask
    return read_image(path, "L", args.max_pixels or DEFAULT_MAX_PIXELS)


def _tensor_function(name, arguments):
    """The per-image function run inside Dataset.map: uint8 RGB in, uint8 out."""
    import tensorflow as tf

    import tfimg.ops

    function = _function(name)

    def apply(image):
        if OPERATIONS[name][0] == "gray":
            image = tfimg.ops.grayscale(image)
        result = function(image, **arguments)
        if name in DERIVATIVES:
            result = tf.cast(tf.clip_by_value(tf.round(tf.abs(result)), 0, 255), tf.uint8)
        return result
    return apply


def _images(pairs, failures, max_pixels):
    """Yields (index, pixels) of the readable inputs; failures collects (label, message)."""
    from tfimg.cli.images import read_image

    for index, (source, _, label) in enumerate(pairs):
        try:
            yield index, read_image(source, "RGB", max_pixels)
        except ValueError as error:
            failures.append((label, str(error)))


def _progress(done, total, label):
    end = "\n" if done == total else ""
    print(f"\rprocess: {done}/{total} {label[-60:]:60s}", end=end, file=sys.stderr, flush=True)


def run(args):
    if args.list:
        print("\n".join(list_operations()))
        return 0
    if not (args.op and args.input and args.output):
        raise ValueError("expected OP INPUT OUTPUT (or --list)")
    from tfimg.cli.images import input_output_pairs

    pairs = input_output_pairs(args.input, args.output)
    arguments = operation_arguments(args.op, args)
    max_pixels = args.max_pixels or DEFAULT_MAX_PIXELS
    failures = []
    results = (_inpainted(args, pairs, arguments, failures, max_pixels) if args.op == "inpaint"
               else _mapped(args.op, pairs, arguments, failures, max_pixels))
    from tfimg.cli.images import write_image

    written = 0
    for index, pixels in results:
        _, target, label = pairs[index]
        write_image(target, pixels)
        written += 1
        _progress(written + len(failures), len(pairs), label)
    if len(pairs) == 1 and failures:
        raise ValueError(failures[0][1])
    for label, message in failures:
        print(f"process: skipped {label}: {message}", file=sys.stderr)
    print(f"{written} of {len(pairs)} images written to {args.output}")
    return 1 if failures else 0


def _mapped(name, pairs, arguments, failures, max_pixels):
    """(index, uint8 result) of each readable input, the operation run inside Dataset.map."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_generator(
        lambda: _images(pairs, failures, max_pixels),
        output_signature=(tf.TensorSpec([], tf.int64), tf.TensorSpec([None, None, 3], tf.uint8)))
    apply = _tensor_function(name, arguments)

    # The ops are graph code already; without AutoGraph a bad argument raises its own one-line
    # ValueError instead of one wrapped in AutoGraph's "in user code" trace.
    @tf.autograph.experimental.do_not_convert
    def indexed(index, image):
        return index, apply(image)

    dataset = dataset.map(indexed, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    try:
        for index, pixels in dataset.prefetch(2):
            yield int(index), pixels.numpy()
    except tf.errors.OpError as error:  # a runtime failure of the op on some image
        raise ValueError(f"{name} failed: {error.message.splitlines()[0]}") from None


def _inpainted(args, pairs, arguments, failures, max_pixels):
    """(index, inpainted image) of each readable input and its mask (OpenCV, no tf.data)."""
    from tfimg.cv import inpaint

    arguments = {key: value for key, value in arguments.items() if key != "mask"}
    for index, pixels in _images(pairs, failures, max_pixels):
        label = pairs[index][2]
        try:
            mask = _mask_for(args, label)
            yield index, inpaint(pixels, mask, **arguments)
        except ValueError as error:
            failures.append((label, f"mask {args.mask}: {error}"))
