"""`tfimg evaluate`: accuracy, per-class figures and a confusion matrix of a saved model."""

import json
import os


def add_parser(verbs):
    parser = verbs.add_parser("evaluate", help="evaluate a saved model on class folders")
    parser.add_argument("--model", required=True, help="model folder (or a tfimg train run)")
    parser.add_argument("--data", required=True, help="class folders DIR/<class>/<image>")
    parser.add_argument("--validation", type=float, metavar="FRACTION",
                        help="only the path-hash validation split of this fraction, the images "
                             "tfimg train --validation held out (default: every image)")
    parser.add_argument("--json", help="write the results here (default OUT/evaluation.json)")
    parser.add_argument("--out", default="evaluation",
                        help="folder for the PNG figures (default %(default)s)")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.models import read_metadata
    from tfimg.train.evaluate import evaluate
    from tfimg.train.plots import plot_confusion_matrix, plot_history

    results = evaluate(args.model, args.data, validation=args.validation)
    print(f"accuracy {results['accuracy']:.4f} on {results['examples']} images "
          f"({len(results['skipped'])} skipped)")
    print(f"{'class':>16} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}")
    for name, row in results["per_class"].items():
        print(f"{name:>16} {row['precision']:9.4f} {row['recall']:9.4f} {row['f1']:9.4f} "
              f"{row['support']:8d}")
    os.makedirs(args.out, exist_ok=True)
    plot_confusion_matrix(results["confusion_matrix"], results["class_names"],
                          os.path.join(args.out, "confusion_matrix.png"))
    history = read_metadata(args.model).get("history")
    if history:
        plot_history(history, os.path.join(args.out, "curves.png"))
    path = args.json or os.path.join(args.out, "evaluation.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump(results, file, indent=2)
    print(f"figures in {args.out}, results in {path}")
