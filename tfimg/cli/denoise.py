"""`tfimg denoise`: remove Gaussian-like noise from a file or a folder."""

from tfimg.cli.restoration import add_common_options


def add_parser(verbs):
    parser = verbs.add_parser("denoise", help="denoise images with a blind colour denoiser")
    parser.add_argument("--sigma", type=float, metavar="S",
                        help="first add Gaussian noise of S grey levels to each image (to see "
                        "the denoiser on clean photos; the output is then the denoised noisy "
                        "image, and --compare shows noisy, 5x5 Gaussian blur and model; default "
                        "none: the images are denoised as they are, the model estimates their "
                        "noise level itself)")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sigma's noise "
                        "(default 0)")
    add_common_options(parser, "dncnn_color")
    parser.set_defaults(run=run)


def run(args):
    import cv2
    import numpy as np

    from tfimg.cli.restoration import load_restoration_model, run_restoration

    if args.sigma is not None and not 0 <= args.sigma <= 255:
        raise ValueError(f"Expected 0 <= --sigma <= 255, received {args.sigma}")
    model, metadata = load_restoration_model(args.model, [args.model], "denoise")
    rng = np.random.default_rng(args.seed)

    def prepare(image):
        if args.sigma is None:
            return image
        noisy = image + rng.normal(0.0, args.sigma, image.shape)
        return np.clip(np.round(noisy), 0, 255).astype(np.uint8)

    return run_restoration(args, model, "denoise", prepare,
                           lambda inputs, _: cv2.GaussianBlur(inputs, (5, 5), 0),
                           ("input", "5x5 Gaussian blur", metadata.get("model", "model")))
