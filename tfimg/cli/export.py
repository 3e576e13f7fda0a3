"""`tfimg export`: a model folder as a TF Serving SavedModel or a TFLite file, checked against
the Keras model before it is put in place."""

from tfimg.cli.options import settings_from_args


def add_parser(verbs):
    parser = verbs.add_parser("export", help="export a model as SavedModel or TFLite")
    parser.add_argument("--model", required=True, help="model folder (or a tfimg train run)")
    parser.add_argument("--format", choices=["saved_model", "tflite"])
    parser.add_argument("--quantize", choices=["none", "fp16", "dynamic", "int8", "int16x8"],
                        help="TFLite only (default none: float32)")
    parser.add_argument("--out", help="base folder; the export goes to OUT/NAME/VERSION "
                        "(default exports)")
    parser.add_argument("--name", help="default: the model folder's name")
    parser.add_argument("--version", type=int, help="default: the next free integer")
    parser.add_argument("--data", help="class folders for the parity check (default: the "
                        "validation split of the training data)")
    parser.add_argument("--parity-images", type=int)
    parser.add_argument("--allow-flex", action="store_true", default=None,
                        help="let TFLite use TensorFlow (Flex) ops")
    parser.add_argument("--config", help="JSON file of settings; flags given here win")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.export import ExportConfig, export

    config = settings_from_args(ExportConfig, args)
    target, _ = export(config)
    print(target)
