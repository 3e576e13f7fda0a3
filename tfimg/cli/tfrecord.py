"""`tfimg tfrecord DIR --out OUT`: class folders -> sharded TFRecords, split by path hash."""


def add_parser(verbs):
    parser = verbs.add_parser("tfrecord", help="write class folders as sharded TFRecords")
    parser.add_argument("root", help="class folders DIR/<class>/<image>")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--name", default="images")
    parser.add_argument("--validation", type=float, default=0.0)
    parser.add_argument("--test", type=float, default=0.0)
    parser.add_argument("--examples-per-shard", type=int, default=2048)
    parser.set_defaults(run=run)


def run(args):
    from tfimg.data import from_directory, write_tfrecords

    splits = from_directory(args.root).split(validation=args.validation, test=args.test)
    for split, files in splits.items():
        if len(files):
            paths = write_tfrecords(files, args.out, args.name, split,
                                    examples_per_shard=args.examples_per_shard, progress=True)
            print(f"{split}: {len(files)} images in {len(paths)} shards")
