"""`tfimg serve`: TF Serving's REST API for an exported SavedModel, on uvicorn."""

from tfimg.cli.options import default, settings_from_args
from tfimg.serve.config import ServeConfig


def add_parser(verbs):
    parser = verbs.add_parser("serve", help="serve an exported SavedModel over TF Serving's "
                              "REST API")
    parser.add_argument("--model", required=True, help="export folder OUT/NAME (latest version "
                        "served) or a version folder OUT/NAME/V")
    parser.add_argument("--name", help="model name in URLs (default: the export's name)")
    parser.add_argument("--host", help="address to listen on (0.0.0.0 for every "
                        f"interface; {default(ServeConfig, 'host')}: this machine only)")
    parser.add_argument("--port", type=int,
                        help=f"TF Serving's is 8501 ({default(ServeConfig, 'port')})")
    parser.add_argument("--max-body-bytes", type=int, help="largest request in bytes "
                        f"({default(ServeConfig, 'max_body_bytes')})")
    parser.add_argument("--timeout", type=float, help="seconds per request "
                        f"({default(ServeConfig, 'timeout')})")
    parser.add_argument("--header-timeout", type=float, help="seconds to send a request's "
                        f"headers ({default(ServeConfig, 'header_timeout')})")
    parser.add_argument("--min-upload-rate", type=int, help="bytes/s a request body must "
                        f"average after --header-timeout s "
                        f"({default(ServeConfig, 'min_upload_rate')})")
    parser.add_argument("--max-concurrent", type=int, help="predictions at once; more get 503 "
                        f"({default(ServeConfig, 'max_concurrent')})")
    parser.add_argument("--workers", type=int, help="threads running the model "
                        f"({default(ServeConfig, 'workers')})")
    parser.add_argument("--max-batch", type=int, help="most images per request "
                        f"({default(ServeConfig, 'max_batch')})")
    parser.add_argument("--max-pixels", type=int, help="largest declared width x height of an "
                        f"image ({default(ServeConfig, 'max_pixels')})")
    parser.add_argument("--max-request-pixels", type=int, help="largest sum of declared "
                        f"pixels over a request's images "
                        f"({default(ServeConfig, 'max_request_pixels')})")
    parser.add_argument("--heavy-request-pixels", type=int, help="requests declaring more "
                        "pixels run on all workers but one at most, so that light requests "
                        f"always find one ({default(ServeConfig, 'heavy_request_pixels')})")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning",
                        "error"], help="uvicorn's log level; info logs every request "
                        "(default %(default)s)")
    parser.add_argument("--config", help="JSON file of settings; flags given here win "
                        "(default: none)")
    parser.set_defaults(run=run)


def run(args):
    import logging

    from tfimg.serve import Server

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    config = settings_from_args(ServeConfig, args)
    Server(config, log_level=args.log_level).run()
