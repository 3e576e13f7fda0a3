"""`tfimg download`: images from a URL list into a dataset folder, resumably; `tfimg download
merge` joins the manifests of shards."""

import sys


def add_options(parser):
    """The download settings, shared with `tfimg crawl`."""
    parser.add_argument("--threads", type=int, help="downloads at once (default 16)")
    parser.add_argument("--per-host", type=int, help="downloads at once per host (default 4)")
    parser.add_argument("--delay", type=float, help="seconds between requests to one host")
    parser.add_argument("--deadline", type=float, help="seconds per download (default 60)")
    parser.add_argument("--max-bytes", type=int, help="largest body (default 20 MiB)")
    parser.add_argument("--retries", type=int, help="retries of transient failures (default 2)")
    parser.add_argument("--allow-private", action="append", metavar="CIDR",
                        help="let this loopback/private address or network be fetched "
                        "(repeatable; tests and intranets only)")
    parser.add_argument("--ignore-robots", action="store_false", dest="robots", default=None,
                        help="do not read robots.txt or honour noai opt-outs")
    parser.add_argument("--resize-mode", choices=["no", "keep_ratio", "center_crop", "border"])
    parser.add_argument("--image-size", type=int, help="side for --resize-mode (default 256)")
    parser.add_argument("--encode-format", choices=["jpeg", "png", "webp"])
    parser.add_argument("--dedup", choices=["sha256", "phash", "none"])
    parser.add_argument("--user-agent")
    parser.add_argument("--config", help="JSON file of settings; flags given here win")


def config_from(args, urls):
    from tfimg.acquire import DownloadConfig

    return DownloadConfig.load(
        args.config, urls=urls, out=args.out, threads=args.threads, per_host=args.per_host,
        delay=args.delay, deadline=args.deadline, max_bytes=args.max_bytes,
        retries=args.retries, allow_private=args.allow_private, robots=args.robots,
        resize_mode=args.resize_mode, image_size=args.image_size,
        encode_format=args.encode_format, dedup=args.dedup, user_agent=args.user_agent,
        retry_failed=getattr(args, "retry_failed", None), shard=getattr(args, "shard", None))


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
