"""`tfimg scan DIR`: every file with its status, and a report file."""

import sys

from tfimg.formats import DEFAULT_MAX_PIXELS


def add_parser(verbs):
    parser = verbs.add_parser("scan", help="check every file of a dataset folder")
    parser.add_argument("root", help="dataset folder (or one file)")
    parser.add_argument("--report", help="write the report to a .csv or .json file (default: "
                        "the summary only)")
    parser.add_argument("--max-pixels", type=int, default=None,
                        help=f"largest width*height accepted (default {DEFAULT_MAX_PIXELS:,})")
    parser.add_argument("--workers", type=int, default=None,
                        help="threads reading files (default: one per CPU core)")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.data.scan import scan

    report = scan(args.root, max_pixels=args.max_pixels or DEFAULT_MAX_PIXELS,
                  workers=args.workers, progress=True)
    print(report.summary())
    if args.report:
        report.write(args.report)
        print(f"report written to {args.report}", file=sys.stderr)
    return 0 if not report.bad_entries() else 1
