"""`tfimg serve`: TF Serving's REST API for an exported SavedModel, on uvicorn."""


def add_parser(verbs):
    parser = verbs.add_parser("serve", help="serve an exported SavedModel over TF Serving's "
                              "REST API")
    parser.add_argument("--model", required=True, help="export folder OUT/NAME (latest version "
                        "served) or a version folder OUT/NAME/V")
    parser.add_argument("--name", help="model name in URLs (default: the export's name)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1: this "
                        "machine only; 0.0.0.0 for every interface)")
    parser.add_argument("--port", type=int, help="default 8501, as TF Serving")
    parser.add_argument("--max-body-bytes", type=int, help="largest request (default 32 MiB)")
    parser.add_argument("--timeout", type=float, help="seconds per request (default 30)")
    parser.add_argument("--max-concurrent", type=int, help="predictions at once; more get 503 "
                        "(default 8)")
    parser.add_argument("--workers", type=int, help="threads running the model (default 2)")
    parser.add_argument("--max-batch", type=int, help="most images per request (default 256)")
    parser.add_argument("--max-pixels", type=int, help="largest declared width x height of an "
                        "image (default 100,000,000)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning",
                        "error"], help="uvicorn's log level; info logs every request")
    parser.add_argument("--config", help="JSON file of settings; flags given here win")
    parser.set_defaults(run=run)


def run(args):
    import logging

    from tfimg.serve import ServeConfig, Server

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    config = ServeConfig.load(
        args.config, model=args.model, name=args.name, host=args.host, port=args.port,
        max_body_bytes=args.max_body_bytes, timeout=args.timeout,
        max_concurrent=args.max_concurrent, workers=args.workers, max_batch=args.max_batch,
        max_pixels=args.max_pixels)
    Server(config, log_level=args.log_level).run()
