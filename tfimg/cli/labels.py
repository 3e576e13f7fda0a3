"""`tfimg labels`: convert, validate, summarise and draw box annotations; auto-label images."""

import sys

FORMATS = ["voc", "yolo", "coco", "labelstudio"]


def add_parser(verbs):
    parser = verbs.add_parser("labels", help="annotations: convert, validate, stats, draw, auto")
    actions = parser.add_subparsers(dest="action", required=True)
    convert = actions.add_parser("convert", help="between VOC, YOLO, COCO and Label Studio")
    convert.add_argument("--from", dest="source_format", choices=FORMATS, required=True,
                         help="the format of SOURCE")
    convert.add_argument("--to", dest="target_format", choices=FORMATS, required=True,
                         help="the format written to TARGET")
    convert.add_argument("source", help="annotation folder (voc, yolo) or JSON file")
    convert.add_argument("target", help="a folder for voc/yolo, a .json file for coco")
    convert.add_argument("--rename", help="JSON file {old name: new name} to rename or merge "
                         "classes (default: names kept)")
    validate = actions.add_parser("validate", help="check annotations against the images")
    stats = actions.add_parser("stats", help="class histogram and box sizes")
    draw = actions.add_parser("draw", help="images with their boxes drawn")
    draw.add_argument("--out", required=True, help="folder for the drawn images")
    for sub in (validate, stats, draw):
        sub.add_argument("source", help="annotation folder (voc, yolo) or JSON file")
        sub.add_argument("--format", choices=FORMATS,
                         help="annotation format (default: inferred from the files; refused "
                              "when ambiguous)")
    for sub in (convert, validate, stats, draw):
        sub.add_argument("--images", help="the images folder (default: the annotations' "
                         "folder)")
    validate.add_argument("--labels", help="classes.txt or JSON label map to check names "
                          "against (default: SOURCE/classes.txt when present)")
    stats.add_argument("--plot", help="PNG file for the class histogram and box sizes "
                       "(default: the table only)")
    auto = actions.add_parser("auto", help="label images with a trained classifier")
    auto.add_argument("--model", required=True, help="model folder (or a tfimg train run)")
    auto.add_argument("images", help="folder of images")
    auto.add_argument("--out", required=True, help="folder for the labels and review.csv")
    auto.add_argument("--format", choices=["voc", "csv", "folders"], default="csv",
                      help="labels.csv, class folders of copies, or VOC files "
                           "(default %(default)s)")
    auto.add_argument("--threshold", type=float, default=0.5,
                      help="below this confidence an image goes to review.csv "
                           "(default %(default)s)")
    parser.set_defaults(run=run)


def _format(args):
    """--format, or the format of the source's files (said on stderr)."""
    from tfimg.label import detect_format

    if args.format:
        return args.format
    found = detect_format(args.source)
    print(f"{args.source}: {found} annotations (inferred; --format to choose)", file=sys.stderr)
    return found


def run(args):
    return {"convert": _convert, "validate": _validate, "stats": _stats, "draw": _draw,
            "auto": _auto}[args.action](args)


def _convert(args):
    from tfimg.label import convert
    from tfimg.label.interchange import read_json

    rename = None
    if args.rename:
        rename = read_json(args.rename)
        if not isinstance(rename, dict) or not all(isinstance(value, str)
                                                   for value in rename.values()):
            raise ValueError(f"{args.rename}: expected a JSON object {{old name: new name}}")
    images, boxes = convert(args.source, args.source_format, args.target, args.target_format,
                            args.images, rename)
    print(f"{images} images, {boxes} boxes written to {args.target}")


def _validate(args):
    from tfimg.label import validate

    report = validate(args.source, _format(args), args.images, args.labels)
    for name, kind, detail in report.issues:
        print(f"{kind:>14}  {name}: {detail}")
    print(f"{report.images} annotated images, {report.boxes} boxes, {len(report.issues)} "
          f"issues {dict(report.kinds())}")
    return 1 if report.issues else 0


def _stats(args):
    from tfimg.label import box_stats, load

    stats = box_stats(load(args.source, _format(args), args.images)[0])
    print("\n".join(stats.table()))
    if args.plot:
        stats.plot(args.plot)


def _draw(args):
    from tfimg.label.draw import draw_dataset

    print(f"{draw_dataset(args.source, _format(args), args.out, args.images)} images drawn in "
          f"{args.out}")


def _auto(args):
    from tfimg.train.autolabel import auto_label

    summary = auto_label(args.model, args.images, args.out, args.format, args.threshold)
    print(summary)
