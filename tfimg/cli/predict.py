"""`tfimg predict`: the top classes of image files under a saved model."""


def add_parser(verbs):
    parser = verbs.add_parser("predict", help="print the top-k classes of images")
    parser.add_argument("--model", required=True, help="model folder (or a tfimg train run)")
    parser.add_argument("--top", type=int, default=5, help="classes shown per image")
    parser.add_argument("images", nargs="+", help="image files")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.train.evaluate import predict

    for path, top in zip(args.images, predict(args.model, args.images, args.top)):
        print(path + ": " + ", ".join(f"{name} {score:.3f}" for name, score in top))
