"""`tfimg demo`: the main job on the embedded digits, class folders or a tfds name."""


def add_parser(verbs):
    parser = verbs.add_parser("demo", help="train the survey's CNN end to end and save it")
    parser.add_argument("--data", help="class folders DIR/<class>/<image> (default: the "
                                       "embedded digits)")
    parser.add_argument("--tfds", help="a tensorflow-datasets name, e.g. cifar10")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--validation", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="saved_models/demo")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.train import DemoConfig, run_demo

    run_demo(DemoConfig(data=args.data, tfds=args.tfds, epochs=args.epochs,
                        batch_size=args.batch_size, validation=args.validation, seed=args.seed,
                        out=args.out))
