"""`tfimg scan DIR`: every file with its status, and a report file."""

import sys


def add_parser(verbs):
    parser = verbs.add_parser("scan", help="check every file of a dataset folder")
    parser.add_argument("root", help="dataset folder (or one file)")
    parser.add_argument("--report", help="write the report to a .csv or .json file")
    parser.add_argument("--max-pixels", type=int, default=None,
                        help="largest width*height accepted")
    parser.add_argument("--workers", type=int, default=None)
    parser.set_defaults(run=run)


def run(args):
    from tfimg.data import DEFAULT_MAX_PIXELS
    from tfimg.data.scan import scan

    report = scan(args.root, max_pixels=args.max_pixels or DEFAULT_MAX_PIXELS,
                  workers=args.workers, progress=True)
    print(report.summary())
    if args.report:
        report.write(args.report)
        print(f"report written to {args.report}", file=sys.stderr)
    return 0 if not report.bad_entries() else 1
