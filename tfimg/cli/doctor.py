"""`tfimg doctor`: versions, devices, whether a GPU would be used, installed extras."""

import json


def add_parser(verbs):
    parser = verbs.add_parser("doctor", help="show what tfimg sees of this machine")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.doctor import format_report, report

    values = report()
    print(json.dumps(values, indent=2) if args.json else format_report(values))
