"""`tfimg demo`: the main job on the embedded digits, class folders or a tfds name: train,
evaluate, export (SavedModel and integer TFLite) and serve."""

from tfimg.cli.options import default


def add_parser(verbs):
    from tfimg.demo.config import DemoConfig

    parser = verbs.add_parser("demo", help="the main job end to end: train the survey's CNN, "
                                           "evaluate, export, serve and classify")
    parser.add_argument("--data", help="class folders DIR/<class>/<image> (default: the "
                                       "embedded digits)")
    parser.add_argument("--tfds", help="a tensorflow-datasets name, e.g. cifar10 (default none)")
    parser.add_argument("--epochs", type=int, default=DemoConfig.epochs,
                        help=default(DemoConfig, "epochs"))
    parser.add_argument("--batch-size", type=int, default=DemoConfig.batch_size,
                        help=default(DemoConfig, "batch_size"))
    parser.add_argument("--validation", type=float, default=DemoConfig.validation,
                        help="held-out fraction, " + default(DemoConfig, "validation"))
    parser.add_argument("--seed", type=int, default=DemoConfig.seed,
                        help=default(DemoConfig, "seed"))
    parser.add_argument("--out", default=DemoConfig.out,
                        help="the model folder, " + default(DemoConfig, "out"))
    parser.add_argument("--exports", default=DemoConfig.exports,
                        help="exports and evaluation figures, " + default(DemoConfig, "exports"))
    parser.add_argument("--quantize", choices=["int8", "dynamic"], default=DemoConfig.quantize,
                        help="the integer TFLite export, " + default(DemoConfig, "quantize"))
    parser.add_argument("--no-serve", dest="serve", action="store_false",
                        help="skip the local server (default: serve)")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.demo import DemoConfig, run_demo

    run_demo(DemoConfig(data=args.data, tfds=args.tfds, epochs=args.epochs,
                        batch_size=args.batch_size, validation=args.validation, seed=args.seed,
                        out=args.out, exports=args.exports, quantize=args.quantize,
                        serve=args.serve))
