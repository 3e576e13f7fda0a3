"""`tfimg sr`: super-resolution of a file or a folder with a shipped or trained model."""

from tfimg.cli.restoration import add_common_options


def add_parser(verbs):
    parser = verbs.add_parser("sr", help="upscale images 2, 3 or 4 times with a "
                              "super-resolution model")
    parser.add_argument("--scale", type=int, choices=[2, 3, 4], default=4,
                        help="upscaling factor (default 4)")
    add_common_options(parser, "edsr")
    parser.set_defaults(run=run)


def run(args):
    import tensorflow as tf

    from tfimg.cli.restoration import load_restoration_model, run_restoration

    model, metadata = load_restoration_model(
        args.model, [f"{args.model}_x{args.scale}", args.model], "sr")
    if metadata.get("scale") != args.scale:
        raise ValueError(f"--model {args.model!r} upscales x{metadata.get('scale')}, not "
                         f"--scale {args.scale}")

    def bicubic(inputs, shape):
        resized = tf.image.resize(inputs, shape[:2], "bicubic")
        return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8).numpy()

    return run_restoration(args, model, "sr", lambda image: image, bicubic,
                           ("input (nearest)", "bicubic", metadata.get("model", "model")))
