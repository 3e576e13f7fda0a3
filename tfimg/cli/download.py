"""`tfimg download`: images from a URL list into a dataset folder, resumably; `tfimg download
merge` joins the manifests of shards."""

import sys

from tfimg.acquire.config import DownloadConfig
from tfimg.cli.options import default, settings_from_args


def add_options(parser):
    """The download settings, shared with `tfimg crawl`."""
    parser.add_argument("--threads", type=int, help="downloads at once"
                        f" ({default(DownloadConfig, 'threads')})")
    parser.add_argument("--per-host", type=int, help="downloads at once per host"
                        f" ({default(DownloadConfig, 'per_host')})")
    parser.add_argument("--delay", type=float, help="seconds between requests to one host")
    parser.add_argument("--deadline", type=float, help="seconds per download"
                        f" ({default(DownloadConfig, 'deadline')})")
    parser.add_argument("--max-bytes", type=int, help="largest body"
                        f" ({default(DownloadConfig, 'max_bytes')})")
    parser.add_argument("--retries", type=int, help="retries of transient failures"
                        f" ({default(DownloadConfig, 'retries')})")
    parser.add_argument("--allow-private", action="append", metavar="CIDR",
                        help="let this loopback/private address or network be fetched "
                        "(repeatable; tests and intranets only)")
    parser.add_argument("--ignore-robots", action="store_false", dest="robots", default=None,
                        help="do not read robots.txt or honour noai opt-outs")
    parser.add_argument("--resize-mode", choices=["no", "keep_ratio", "center_crop", "border"])
    parser.add_argument("--image-size", type=int, help="side for --resize-mode"
                        f" ({default(DownloadConfig, 'image_size')})")
    parser.add_argument("--encode-format", choices=["jpeg", "png", "webp"])
    parser.add_argument("--dedup", choices=["sha256", "phash", "none"])
    parser.add_argument("--user-agent")
    parser.add_argument("--config", help="JSON file of settings; flags given here win")


def config_from(args, urls):
    return settings_from_args(DownloadConfig, args, urls=urls)


def add_parser(verbs):
    parser = verbs.add_parser("download", help="download images from a URL list (or: "
                              "download merge SHARD_DIR... --out DIR)")
    parser.add_argument("urls", nargs="+", help="URL list: .txt, .csv/.tsv (url, label, "
                        "caption columns) or .jsonl; or `merge` and shard folders")
    parser.add_argument("--out", required=True, help="dataset folder")
    parser.add_argument("--shard", help="K/N: take every N-th URL from the (K-1)-th")
    parser.add_argument("--retry-failed", choices=["all", "transient"],
                        help="on a rerun, retry all failures (default) or transient ones only")
    add_options(parser)
    parser.set_defaults(run=run)


def run(args):
    from tfimg.acquire import download, merge

    if args.urls[0] == "merge":
        summary = merge(args.urls[1:], args.out)
    elif len(args.urls) > 1:
        raise ValueError(f"Expected one URL list, received {args.urls}")
    else:
        summary = download(config_from(args, args.urls[0]),
                           log=lambda line: print(line, file=sys.stderr))
    print(summary["by_status"])
    return 0 if summary["by_status"].get("success") else 1
