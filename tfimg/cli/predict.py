"""`tfimg predict`: the top classes of image files, from a saved model or a prediction server.

A file that cannot be read, decoded or predicted is reported on stderr with its cause and the
others are still predicted; the exit status is then 2 and the last line counts them.
"""

import sys

# Files per request to a server, and their bytes: base64 makes 4/3 of them, well under
# `tfimg serve`'s 32 MiB body limit (and TF Serving's default).
SERVER_BATCH = 32
SERVER_BATCH_BYTES = 8 * 2 ** 20


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
    failures, report = reporter(args)
    if args.server:
        import urllib.error

        from tfimg.serve import ServerError

        if not args.server.startswith(("http://", "https://")):
            print(f"tfimg predict: error: --server {args.server!r}: expected an address like "
                  f"http://127.0.0.1:8501", file=sys.stderr)
            return 2
        try:
            results = _classify_on_server(args, report)
        except ServerError as error:
            print(f"tfimg predict: error: {args.server}: {error}", file=sys.stderr)
            return 1
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            print(f"tfimg predict: error: cannot reach --server {args.server}: "
                  f"{getattr(reason, 'strerror', None) or reason}", file=sys.stderr)
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
    failures = []

    def report(error):
        failures.append(error)
        print(f"tfimg {args.verb}: error: {error}", file=sys.stderr)

    return failures, report


def finish(args, failures):
    """The exit status of a verb over `args.images` once `failures` were reported: 0, or 2
    after a last line counting them."""
    if not failures:
        return 0
    print(f"tfimg {args.verb}: {len(failures)} of {len(args.images)} images could not be "
          f"predicted", file=sys.stderr)
    return 2


def _batches(paths, report):
    """Lists of (index, bytes) of the readable files of `paths`: at most SERVER_BATCH files and
    SERVER_BATCH_BYTES (or one larger file) each; unreadable files are reported."""
    batch, size = [], 0
    for index, path in enumerate(paths):
        try:
            with open(path, "rb") as file:
                content = file.read()
        except OSError as error:
            report(ValueError(f"Cannot read {path!r}: {error.strerror or error}"))
            continue
        if batch and (len(batch) == SERVER_BATCH or size + len(content) > SERVER_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append((index, content))
        size += len(content)
    if batch:
        yield batch


# The server's answers to a request it refuses for its content: a bad image (400) or a body
# over its limit (413). The files of such a batch are sent again one at a time.
_REFUSED = (400, 413)


def _classify_on_server(args, report):
    """Results of `args.images` on the server, None for a file that is unreadable or that the
    server refuses (400, 413): a refused batch is sent again one file at a time to find it."""
    from tfimg.serve import Client, ServerError

    client = Client(args.server, args.model)
    results = [None] * len(args.images)
    for batch in _batches(args.images, report):
        try:
            answers = client.classify([content for _, content in batch], args.top)
            for (index, _), top in zip(batch, answers):
                results[index] = top
        except ServerError as error:
            if error.status not in _REFUSED:
                raise
            for index, content in batch:
                try:
                    results[index] = client.classify([content], args.top)[0]
                except ServerError as single:
                    if single.status not in _REFUSED:
                        raise
                    report(ValueError(f"{args.images[index]!r}: {single}"))
    return results
