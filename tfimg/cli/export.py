"""`tfimg export`: a model folder as a TF Serving SavedModel or a TFLite file, checked against
the Keras model before it is put in place."""

from tfimg.cli.options import default, settings_from_args


def add_parser(verbs):
    from tfimg.export.config import ExportConfig, FORMATS, QUANTIZATIONS

    parser = verbs.add_parser("export", help="export a model as SavedModel or TFLite")
    parser.add_argument("--model", required=True, help="model folder (or a tfimg train run)")
    parser.add_argument("--format", choices=FORMATS,
                        help=f"SavedModel for TF Serving or TFLite for LiteRT "
                             f"({default(ExportConfig, 'format')})")
    parser.add_argument("--quantize", choices=QUANTIZATIONS,
                        help=f"TFLite only: float32 (none), float16 weights, int8 weights "
                             f"(dynamic), full integer ({default(ExportConfig, 'quantize')})")
    parser.add_argument("--out", help=f"base folder: SavedModels go to OUT/NAME/VERSION, TFLite "
                        f"files to OUT/tflite/NAME/VERSION ({default(ExportConfig, 'out')})")
    parser.add_argument("--name", help="model name (default: the model folder's name)")
    parser.add_argument("--version", type=int,
                        help="version number (default: the next free integer)")
    parser.add_argument("--data", help="class folders DIR/<class>/<image> for the parity check "
                        "and integer calibration: every image, or the held-out split when DIR "
                        "is the model's training folder (default: the validation split of the "
                        "model's training data)")
    parser.add_argument("--parity-images", type=int, metavar="N",
                        help=f"at most N images checked "
                             f"({default(ExportConfig, 'parity_images')})")
    parser.add_argument("--representative-images", type=int, metavar="N",
                        help=f"at most N images calibrate integer TFLite "
                             f"({default(ExportConfig, 'representative_images')})")
    parser.add_argument("--allow-flex", action="store_true", default=None,
                        help="let TFLite use TensorFlow (Flex) ops (default: builtins only)")
    parser.add_argument("--accept-parity-failure", action="store_true", default=None,
                        help="keep an export that fails its parity check; parity.json records "
                             "it (default: refuse it)")
    parser.add_argument("--config", help="JSON file of settings; flags given here win "
                        "(default: none)")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.export import ExportConfig, export

    config = settings_from_args(ExportConfig, args)
    target, _ = export(config)
    print(target)
