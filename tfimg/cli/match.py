"""`tfimg match IMAGE1 IMAGE2`: keypoints, ratio-tested matches and the RANSAC homography mapping
IMAGE1's pixel coordinates to IMAGE2's; optionally a picture of the matches and a JSON file."""

import sys

from tfimg.formats import DEFAULT_MAX_PIXELS


def add_parser(verbs):
    parser = verbs.add_parser("match", help="match two images (ORB or SIFT, RANSAC homography)",
                              description=__doc__)
    parser.add_argument("image1", help="the first image (the homography maps from it)")
    parser.add_argument("image2", help="the second image")
    parser.add_argument("--method", choices=("orb", "sift"), default="orb",
                        help="keypoints and descriptors (default orb)")
    parser.add_argument("--matcher", choices=("brute_force", "flann"), default="brute_force",
                        help="brute force, or FLANN with LSH (ORB) or KD-trees (SIFT) "
                        "(default brute_force)")
    parser.add_argument("--ratio", type=float, default=0.75,
                        help="Lowe's ratio test: keep a match under RATIO times the second "
                        "best (default 0.75)")
    parser.add_argument("--threshold", type=float, default=3.0,
                        help="RANSAC inlier threshold in pixels (default 3.0)")
    parser.add_argument("--max-features", type=int, default=5000,
                        help="keypoints kept per image (default 5000)")
    parser.add_argument("--out", help="write the matches side by side to this image file "
                        "(default: none)")
    parser.add_argument("--json", help="write matches, inliers and homography to this JSON "
                        "file (default: none)")
    parser.add_argument("--max-pixels", type=int, default=None,
                        help=f"largest width*height read (default {DEFAULT_MAX_PIXELS:,})")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.atomic import write_json
    from tfimg.cli.images import read_image, write_image
    from tfimg.cv import draw_matches, match_images

    max_pixels = args.max_pixels or DEFAULT_MAX_PIXELS
    image1 = read_image(args.image1, "RGB", max_pixels)
    image2 = read_image(args.image2, "RGB", max_pixels)
    match = match_images(image1, image2, method=args.method, matcher=args.matcher,
                         ratio=args.ratio, threshold=args.threshold,
                         max_features=args.max_features)
    result = match.to_json()
    print(f"keypoints {result['keypoints'][0]} and {result['keypoints'][1]}, matches "
          f"{result['matches']}, inliers {result['inliers']}")
    if match.homography is None:
        print("no homography (fewer than 4 matches or no RANSAC model)")
    else:
        print("homography (IMAGE1 -> IMAGE2 pixel coordinates):")
        for row in match.homography:
            print("  " + "  ".join(f"{value:12.6g}" for value in row))
    if args.out:
        write_image(args.out, draw_matches(image1, image2, match))
        print(f"matches drawn to {args.out}", file=sys.stderr)
    if args.json:
        write_json(args.json, result)
        print(f"JSON written to {args.json}", file=sys.stderr)
    return 0 if match.homography is not None else 1
