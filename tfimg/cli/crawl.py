"""`tfimg crawl`: pages from a start URL, their images downloaded into a dataset folder."""

import sys

from tfimg.cli.download import add_options, config_from


def add_parser(verbs):
    parser = verbs.add_parser("crawl", help="crawl pages for images and download them")
    parser.add_argument("start_url", help="the first page (http or https)")
    parser.add_argument("--out", required=True, help="dataset folder")
    parser.add_argument("--depth", type=int, default=1, help="links followed (default 1)")
    parser.add_argument("--max-pages", type=int, default=100, help="most pages (default 100)")
    parser.add_argument("--same-site", action="store_true", default=True,
                        help="follow links within the start page's site only (default)")
    parser.add_argument("--any-site", action="store_false", dest="same_site",
                        help="follow links to other sites too (default: the start page's site)")
    add_options(parser)
    parser.set_defaults(run=run)


def run(args):
    from tfimg.acquire import crawl, download

    def log(line):
        print(line, file=sys.stderr)

    config = config_from(args, urls=args.start_url)
    rows = crawl(args.start_url, config, args.depth, args.same_site, args.max_pages, log=log)
    summary = download(config, rows, log=log)
    print(summary["by_status"])
    return 0 if summary["by_status"].get("success") else 1
