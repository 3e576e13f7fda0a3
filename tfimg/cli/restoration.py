"""What `tfimg sr` and `tfimg denoise` share: options, running a restoration model over a
file or a folder in tiles, and the `--compare` figure."""

import os
import sys

import numpy as np

from tfimg.formats import DEFAULT_MAX_PIXELS


def add_common_options(parser, default_model):
    option = parser.add_argument
    option("input", help="an image file or a folder of images")
    option("output", help="the output file (format from its extension), or a folder for a "
           "folder input (same relative names)")
    option("--model", default=default_model, help="a model folder or a shipped model's name "
           f"(default {default_model})")
    option("--tile", type=int, default=256, help="largest tile side in input pixels; larger "
           "images are processed in overlapping tiles (default 256; 0: whole images)")
    option("--compare", metavar="FILE", help="also write a side-by-side figure with zoomed "
           "crops (for a single input image; default none)")
    option("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS,
           help=f"largest input or output image in pixels (default {DEFAULT_MAX_PIXELS})")


def load_restoration_model(model, names, task):
    """(model, metadata) of a restoration model folder of `task` found by `find_model`."""
    from tfimg.models import load_model_folder
    from tfimg.models.shipped import find_model

    folder = find_model(model, names)
    restorer, metadata = load_model_folder(folder)
    if metadata.get("task") != task:
        raise ValueError(f"{folder}: a {metadata.get('task')!r} model, expected a {task!r} "
                         f"model")
    return restorer, metadata


def run_restoration(args, model, verb, prepare, reference, titles):
    """Runs `model` over every input image: `prepare(uint8 image)` gives the model's input
    (e.g. with noise added), `reference(model input, output shape)` the classical result for
    the figure, whose three panels have `titles`. Prints progress; returns the exit status
    (1 when some images failed)."""
    from tfimg.cli.images import input_output_pairs, read_image, write_image
    from tfimg.train.restore import restore_image

    pairs = input_output_pairs(args.input, args.output)
    if args.compare and len(pairs) != 1:
        raise ValueError("--compare needs a single input image")
    scale = int(getattr(model, "scale", 1))
    failures = []
    for done, (source, target, label) in enumerate(pairs, 1):
        try:
            inputs = prepare(read_image(source, "RGB", args.max_pixels))
            pixels = inputs.shape[0] * inputs.shape[1] * scale * scale
            if pixels > args.max_pixels:
                raise ValueError(f"{label}: its x{scale} output would have {pixels} pixels, "
                                 f"over --max-pixels {args.max_pixels}")
        except ValueError as error:
            failures.append((label, str(error)))
            continue
        # In place: one float32 copy of the output at a time, besides the uint8 one.
        result = restore_image(model, inputs, tile=args.tile or None)
        result *= 255.0
        output = np.round(result, out=result).astype(np.uint8)
        del result
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        write_image(target, output)
        if args.compare:
            write_image(args.compare, compare_figure(
                inputs, reference(inputs, output.shape), output, titles))
        end = "\n" if done == len(pairs) else ""
        print(f"\r{verb}: {done}/{len(pairs)} {label[-60:]:60s}", end=end, file=sys.stderr,
              flush=True)
    if len(pairs) == 1 and failures:
        raise ValueError(failures[0][1])
    for label, message in failures:
        print(f"{verb}: skipped {label}: {message}", file=sys.stderr)
    print(f"{len(pairs) - len(failures)} of {len(pairs)} images written to {args.output}")
    return 1 if failures else 0


def compare_figure(inputs, reference, output, titles, panel=320):
    """uint8 figure: the input (nearest-neighbour to the output's size), the classical result
    and the model's, under their `titles`, full (top row, `panel` pixels wide) and a centre
    crop zoomed (bottom row)."""
    from PIL import Image, ImageDraw

    height, width = output.shape[:2]
    scale = height // inputs.shape[0]
    enlarged = np.repeat(np.repeat(inputs, scale, axis=0), scale, axis=1)[:height, :width]
    crop = max(16, min(height, width) // 4)
    top, left = (height - crop) // 2, (width - crop) // 2
    panel_height = max(1, round(panel * height / width))
    columns = []
    for title, image in zip(titles, (enlarged, reference, output)):
        full = Image.fromarray(image).resize((panel, panel_height), Image.LANCZOS)
        zoom = Image.fromarray(image[top:top + crop, left:left + crop]).resize(
            (panel, panel), Image.NEAREST)
        column = Image.new("RGB", (panel, panel_height + panel + 16), "white")
        column.paste(full, (0, 16))
        column.paste(zoom, (0, 16 + panel_height))
        ImageDraw.Draw(column).text((4, 2), title, fill="black")
        columns.append(column)
    figure = Image.new("RGB", (3 * panel + 8, columns[0].height), "white")
    for index, column in enumerate(columns):
        figure.paste(column, (index * (panel + 4), 0))
    return np.asarray(figure)
