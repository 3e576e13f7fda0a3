"""The `tfimg` command: a thin layer over the library, one module per verb."""

import argparse
import sys

from tfimg import __version__
from tfimg.cli.quiet import quiet_tensorflow

VERBS = ("demo", "train", "evaluate", "predict", "recognize", "export", "scan", "doctor",
         "tfrecord", "serve", "download", "crawl", "stock", "labels", "process", "match",
         "similarity", "sr", "denoise", "stylize")


def build_parser():
    import importlib

    parser = argparse.ArgumentParser(prog="tfimg", description=__doc__)
    parser.add_argument("--version", action="version", version=f"tfimg {__version__}")
    verbs = parser.add_subparsers(dest="verb", required=True)
    for verb in VERBS:
        module = importlib.import_module(f"tfimg.cli.{verb}")
        module.add_parser(verbs)
    return parser


def main(argv=None):
    quiet_tensorflow()
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except (OSError, ValueError) as error:
        print(f"tfimg {args.verb}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
