"""`tfimg stylize`: restyle a photo, with a trained style model (milliseconds) or by
optimisation towards any style image (Gatys et al. 2016; minutes on a CPU)."""


def add_parser(verbs):
    parser = verbs.add_parser("stylize", help="restyle an image with a style model "
                              "(--model) or by optimisation towards a style image")
    option = parser.add_argument
    option("content", metavar="CONTENT", help="the image to restyle")
    option("output", metavar="OUTPUT", help="the result (PNG or JPEG, by its extension)")
    option("--method", choices=["model", "optimize"], default="model",
           help="model (default): a trained style model folder (--model); optimize: Gatys "
                "optimisation towards --style")
    option("--model", help="a style model folder from tfimg train --task style (default none)")
    option("--style", help="--method optimize: the style image (default none)")
    option("--size", type=int, help="resize CONTENT so that its longer side has SIZE pixels "
           "(optimize: default 512, the style image too; model: default as it is)")
    option("--steps", type=int, default=200, help="optimize: Adam steps (default 200)")
    option("--learning-rate", type=float, default=5.0,
           help="optimize: Adam's, in pixel levels (default 5)")
    option("--style-weight", type=float, help="optimize: default by feature network")
    option("--content-weight", type=float, help="optimize: default 1")
    option("--weights", default="imagenet", help="optimize: VGG19 weights, 'imagenet' "
           "(default; random multi-scale features when they cannot be loaded), a file, or "
           "'random' for those features")
    option("--frames", metavar="DIR", help="optimize: write the image every 50 steps to DIR "
           "(default none)")
    option("--seed", type=int, default=0, help="optimize: the fallback features' seed (default 0)")
    parser.set_defaults(run=run)


def _save(image, path):
    from PIL import Image

    Image.fromarray(image).save(path)
    print(path)


def _with_model(args):
    import numpy as np

    from tfimg.models import load_model_folder
    from tfimg.train.style import read_rgb

    if not args.model:
        raise ValueError("Expected --model, a style model folder, with --method model (or "
                         "--method optimize --style STYLE)")
    model, metadata = load_model_folder(args.model)
    if metadata["task"] != "style":
        raise ValueError(f"Expected a style model folder (task 'style'), received task "
                         f"{metadata['task']!r} in {args.model!r}")
    content = read_rgb(args.content, longer_side=args.size)
    image = np.asarray(model(content[None], training=False))[0]
    _save(np.round(np.clip(image, 0, 255)).astype(np.uint8), args.output)


def _optimize(args):
    from tfimg.models.style_transfer.features import StyleFeatures
    from tfimg.train.gatys import stylize_optimize
    from tfimg.train.style import read_rgb

    if not args.style:
        raise ValueError("Expected --style STYLE, the style image, with --method optimize")
    size = args.size or 512
    content = read_rgb(args.content, longer_side=size)
    style = read_rgb(args.style, longer_side=size)
    features = StyleFeatures.load(args.weights, seed=args.seed)
    image, _ = stylize_optimize(content, style, features, steps=args.steps,
                                learning_rate=args.learning_rate,
                                content_weight=args.content_weight,
                                style_weight=args.style_weight, frames=args.frames)
    _save(image, args.output)


def run(args):
    if args.method == "optimize":
        _optimize(args)
    else:
        _with_model(args)
