"""`tfimg similarity A B`: cosine similarity, PSNR, SSIM and MS-SSIM of two images of the same
size (uint8 RGB, max_val 255)."""

import json

from tfimg.formats import DEFAULT_MAX_PIXELS


def add_parser(verbs):
    parser = verbs.add_parser("similarity", help="cosine, PSNR, SSIM and MS-SSIM of two images",
                              description=__doc__)
    parser.add_argument("a", help="the first image")
    parser.add_argument("b", help="the second image, of the same width and height")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of lines (default: lines)")
    parser.add_argument("--max-pixels", type=int, default=None,
                        help=f"largest width*height read (default {DEFAULT_MAX_PIXELS:,})")
    parser.set_defaults(run=run)


def similarity(a, b):
    """{"cosine", "psnr", "ssim", "ms_ssim"} of two uint8 RGB arrays (PSNR in dB, inf for
    identical images); MS-SSIM is None for images under 176x176 (its coarsest scale would be
    smaller than the 11x11 window)."""
    import tensorflow as tf

    import tfimg.ops

    a, b = tf.constant(a), tf.constant(b)
    scores = {"cosine": tfimg.ops.cosine_similarity(a, b), "psnr": tfimg.ops.psnr(a, b, 255),
              "ssim": tfimg.ops.ssim(a, b, 255)}
    scores = {key: float(value) for key, value in scores.items()}
    scores["ms_ssim"] = (float(tfimg.ops.ms_ssim(a, b, 255))
                         if min(a.shape[0], a.shape[1]) >= 176 else None)
    return scores


def run(args):
    from tfimg.cli.images import read_image

    max_pixels = args.max_pixels or DEFAULT_MAX_PIXELS
    a = read_image(args.a, "RGB", max_pixels)
    b = read_image(args.b, "RGB", max_pixels)
    if a.shape != b.shape:
        raise ValueError(f"{args.b}: size {b.shape[1]}x{b.shape[0]} differs from {args.a}'s "
                         f"{a.shape[1]}x{a.shape[0]}")
    scores = similarity(a, b)
    if args.json:
        # Identical images have an infinite PSNR, which JSON cannot say: null.
        finite = {key: None if value == float("inf") else value for key, value in scores.items()}
        print(json.dumps(finite))
        return 0
    print(f"cosine   {scores['cosine']:.6f}")
    print(f"psnr     {scores['psnr']:.3f} dB")
    print(f"ssim     {scores['ssim']:.6f}")
    ms_ssim = scores["ms_ssim"]
    print("ms_ssim  " + ("n/a (images under 176x176)" if ms_ssim is None else f"{ms_ssim:.6f}"))
    return 0
