"""`tfimg download`: images from a URL list into a dataset folder, resumably; `tfimg download
merge` joins the manifests of shards."""

import argparse
import sys

from tfimg.acquire.config import (DEDUP_MODES, ENCODE_FORMATS, RESIZE_MODES, RETRY_MODES,
                                  DownloadConfig)
from tfimg.cli.options import default, settings_from_args


def add_options(parser):
    """The download settings, shared with `tfimg crawl`."""
    parser.add_argument("--threads", type=int, help="downloads at once"
                        f" ({default(DownloadConfig, 'threads')})")
    parser.add_argument("--per-host", type=int, help="downloads at once per host"
                        f" ({default(DownloadConfig, 'per_host')})")
    parser.add_argument("--delay", type=float, help="seconds between requests to one host"
                        f" ({default(DownloadConfig, 'delay')})")
    parser.add_argument("--deadline", type=float, help="seconds per download"
                        f" ({default(DownloadConfig, 'deadline')})")
    parser.add_argument("--max-bytes", type=int, help="largest body"
                        f" ({default(DownloadConfig, 'max_bytes')})")
    parser.add_argument("--retries", type=int, help="retries of transient failures"
                        f" ({default(DownloadConfig, 'retries')})")
    parser.add_argument("--allow-private", action="append", metavar="CIDR",
                        help="let this loopback/private address or network be fetched "
                        "(repeatable; tests and intranets only; default: public addresses "
                        "only)")
    parser.add_argument("--ignore-robots", action="store_false", dest="robots", default=None,
                        help="do not read robots.txt or honour noai opt-outs (default: honour "
                        "them)")
    parser.add_argument("--resize-mode", choices=RESIZE_MODES,
                        help="what is stored: the image as is, or resized keeping its ratio, "
                        "centre-cropped or bordered to a square"
                        f" ({default(DownloadConfig, 'resize_mode')})")
    parser.add_argument("--image-size", type=int, help="side for --resize-mode"
                        f" ({default(DownloadConfig, 'image_size')})")
    parser.add_argument("--encode-format", choices=ENCODE_FORMATS,
                        help="format of resized images"
                        f" ({default(DownloadConfig, 'encode_format')})")
    parser.add_argument("--dedup", choices=DEDUP_MODES,
                        help="duplicates by identical bytes, by picture (difference hash) or not"
                        f" ({default(DownloadConfig, 'dedup')})")
    parser.add_argument("--user-agent", help="the User-Agent header"
                        f" ({default(DownloadConfig, 'user_agent')})")
    parser.add_argument("--config", help="JSON file of settings; flags given here win "
                        "(default: none)")


def config_from(args, urls):
    return settings_from_args(DownloadConfig, args, urls=urls)


def _merge_parser():
    parser = argparse.ArgumentParser(
        prog="tfimg download merge", description="Join the manifests of shard folders "
        "(`tfimg download --shard K/N`) into one dataset folder's manifest and summary.")
    parser.add_argument("shards", nargs="+", metavar="SHARD_DIR", help="folders of the shards")
    parser.add_argument("--out", required=True, help="the dataset folder of the whole list")
    return parser


class _Help(argparse.Action):
    """-h/--help: the merge help after `download merge`, else the download help."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        merging = (getattr(namespace, "urls", None) or [None])[0] == "merge"
        (_merge_parser() if merging else parser).print_help()
        parser.exit()


def add_parser(verbs):
    parser = verbs.add_parser("download", add_help=False,
                              help="download images from a URL list (or: download merge "
                                   "SHARD_DIR... --out DIR)")
    parser.add_argument("-h", "--help", action=_Help, help="show this help message and exit "
                        "(`download merge --help`: the merge help)")
    parser.add_argument("urls", nargs="+", help="URL list: .txt, .csv/.tsv (url, label, "
                        "caption columns) or .jsonl; or `merge` and shard folders")
    parser.add_argument("--out", required=True, help="dataset folder")
    parser.add_argument("--shard", help="K/N: take every N-th URL from the (K-1)-th"
                        f" ({default(DownloadConfig, 'shard')})")
    parser.add_argument("--retry-failed", choices=RETRY_MODES,
                        help="on a rerun, retry all failures or transient ones only"
                        f" ({default(DownloadConfig, 'retry_failed')})")
    add_options(parser)
    parser.set_defaults(run=run)


def run(args):
    from tfimg.acquire import download, merge

    if args.urls[0] == "merge":
        shards = _merge_parser().parse_args([*args.urls[1:], "--out", args.out]).shards
        summary = merge(shards, args.out)
    elif len(args.urls) > 1:
        raise ValueError(f"Expected one URL list, received {args.urls}")
    else:
        summary = download(config_from(args, args.urls[0]),
                           log=lambda line: print(line, file=sys.stderr))
    print(summary["by_status"])
    return 0 if summary["by_status"].get("success") else 1
