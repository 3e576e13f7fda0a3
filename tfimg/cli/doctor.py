"""`tfimg doctor`: versions, devices, whether a GPU would be used, installed extras."""

import json


def add_parser(verbs):
    parser = verbs.add_parser("doctor", help="show what tfimg sees of this machine")
    parser.add_argument("--json", action="store_true", help="print JSON (default: text)")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.doctor import device_report, format_report, package_report

    packages = package_report()
    if args.json:
        print(json.dumps({**packages, **device_report()}, indent=2))
        return
    # The versions first, at once; the devices need TensorFlow, which takes seconds to load.
    print(format_report(packages), flush=True)
    print(format_report(device_report()))
