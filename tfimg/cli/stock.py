"""`tfimg stock`: a URL list from a stock-photo API search (Unsplash, Pixabay)."""


def add_parser(verbs):
    parser = verbs.add_parser("stock", help="search Unsplash or Pixabay into a URL list for "
                              "tfimg download (API key from the environment)")
    parser.add_argument("source", choices=["unsplash", "pixabay"], help="the stock-photo site")
    parser.add_argument("query", help="the search words")
    parser.add_argument("--count", type=int, default=100, help="images wanted (default 100)")
    parser.add_argument("--label", help="class folder of the images (default: the query)")
    parser.add_argument("--out", required=True, help="URL list to write (.jsonl)")
    parser.add_argument("--api-url", help="the API's base URL (default: the site's)")
    parser.add_argument("--allow-private", action="append", metavar="CIDR",
                        help="let this loopback/private address be fetched (a local mirror; "
                        "default: public addresses only)")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.acquire.config import USER_AGENT
    from tfimg.acquire.fetch import Fetcher
    from tfimg.acquire.safety import parse_networks
    from tfimg.acquire.stock import search, write_url_list

    fetcher = Fetcher(USER_AGENT, allowed=parse_networks(args.allow_private or ()))
    rows = search(args.source, args.query, args.count, args.label, base_url=args.api_url,
                  fetcher=fetcher)
    write_url_list(rows, args.out)
    print(f"{len(rows)} URLs written to {args.out}")
