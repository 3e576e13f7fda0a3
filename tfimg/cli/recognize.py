"""`tfimg recognize`: ImageNet classes of image files with ResNet50; a file that cannot be
read or decoded is reported with its cause and the others go on (exit status 2)."""


def add_parser(verbs):
    parser = verbs.add_parser("recognize", help="ImageNet top-k classes of images (ResNet50)")
    parser.add_argument("--weights", default="imagenet",
                        help="'imagenet' (downloaded by Keras, then cached) or a local weights "
                        "file of the full ResNet50 (default %(default)s)")
    parser.add_argument("--class-index", help="imagenet_class_index.json-style file "
                        "(default: ImageNet's, downloaded by Keras, then cached)")
    parser.add_argument("--top", type=int, default=5,
                        help="classes shown per image (default %(default)s)")
    parser.add_argument("images", nargs="+", help="image files")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.cli.predict import finish, reporter
    from tfimg.train.predict import recognize

    failures, report = reporter(args)
    results = recognize(args.images, args.weights, args.class_index, args.top, on_error=report)
    for path, top in zip(args.images, results):
        if top is not None:
            print(path + ": " + ", ".join(f"{name} ({wnid}) {score:.3f}"
                                          for wnid, name, score in top))
    return finish(args, failures)
