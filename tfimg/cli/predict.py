"""`tfimg predict`: the top classes of image files, from a saved model or a prediction server."""


def add_parser(verbs):
    parser = verbs.add_parser("predict", help="print the top-k classes of images")
    parser.add_argument("--model", required=True, help="model folder (or a tfimg train run); "
                        "with --server, the served model's name")
    parser.add_argument("--server", help="a TF Serving REST server (tfimg serve or "
                        "tensorflow/serving), e.g. http://127.0.0.1:8501 (default: run the model "
                        "folder here)")
    parser.add_argument("--top", type=int, default=5,
                        help="classes shown per image (default %(default)s)")
    parser.add_argument("images", nargs="+", help="image files")
    parser.set_defaults(run=run)


def run(args):
    if args.server:
        import sys

        from tfimg.serve import Client, ServerError

        try:
            results = Client(args.server, args.model).classify(args.images, args.top)
        except ServerError as error:
            print(f"tfimg predict: error: {args.server}: {error}", file=sys.stderr)
            return 1
    else:
        from tfimg.train.predict import predict

        results = predict(args.model, args.images, args.top)
    for path, top in zip(args.images, results):
        print(path + ": " + ", ".join(f"{name} {score:.3f}" for name, score in top))
