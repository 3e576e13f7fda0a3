"""`tfimg predict`: the top classes of image files, from a saved model or a prediction server.

A file that cannot be read, decoded or predicted is reported on stderr with its cause and the
others are still predicted; the exit status is then 2 and the last line counts them.
"""

# Images per request to a server: well under its limits (TF Serving's and `tfimg serve`'s).
SERVER_BATCH = 32


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
    import sys

    failures, report = reporter(args)
    if args.server:
        from tfimg.serve import ServerError

        try:
            results = _classify_on_server(args, report)
        except ServerError as error:
            print(f"tfimg predict: error: {args.server}: {error}", file=sys.stderr)
            return 1
    else:
        from tfimg.train.predict import predict

        results = predict(args.model, args.images, args.top, on_error=report)
    for path, top in zip(args.images, results):
        if top is not None:
            print(path + ": " + ", ".join(f"{name} {score:.3f}" for name, score in top))
    return finish(args, failures)


def reporter(args):
    """(failures, report): `report(error)` prints one file's error on stderr and appends it to
    the list `failures`."""
    import sys

    failures = []

    def report(error):
        failures.append(error)
        print(f"tfimg {args.verb}: error: {error}", file=sys.stderr)

    return failures, report


def finish(args, failures):
    """The exit status of a verb over `args.images` once `failures` were reported: 0, or 2
    after a last line counting them."""
    import sys

    if not failures:
        return 0
    print(f"tfimg {args.verb}: {len(failures)} of {len(args.images)} images could not be "
          f"predicted", file=sys.stderr)
    return 2


def _classify_on_server(args, report):
    """Results of `args.images` on the server, None for a file that is unreadable or that the
    server refuses (400): a refused batch is sent again one file at a time to find it."""
    from tfimg.serve import Client, ServerError

    client = Client(args.server, args.model)
    contents = {}
    for index, path in enumerate(args.images):
        try:
            with open(path, "rb") as file:
                contents[index] = file.read()
        except OSError as error:
            report(ValueError(f"Cannot read {path!r}: {error.strerror or error}"))
    results = [None] * len(args.images)
    readable = list(contents)
    for start in range(0, len(readable), SERVER_BATCH):
        batch = readable[start:start + SERVER_BATCH]
        try:
            for index, top in zip(batch, client.classify([contents[i] for i in batch],
                                                         args.top)):
                results[index] = top
        except ServerError as error:
            if error.status != 400:
                raise
            for index in batch:
                try:
                    results[index] = client.classify([contents[index]], args.top)[0]
                except ServerError as single:
                    if single.status != 400:
                        raise
                    report(ValueError(f"{args.images[index]!r}: {single}"))
    return results
