"""`tfimg tfrecord DIR --out OUT`: class folders -> sharded TFRecords, split by path hash.

Every file is checked first as `tfimg scan` checks it (by content, with Pillow): files the
input layer could not decode are left out and named on stderr, so that no record holds bytes
that would fail, or be skipped, at training time.
"""

import sys


def add_parser(verbs):
    parser = verbs.add_parser("tfrecord", help="write class folders as sharded TFRecords")
    parser.add_argument("root", help="class folders DIR/<class>/<image>")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--name", default="images",
                        help="first part of the shard names (default %(default)s)")
    parser.add_argument("--validation", type=float, default=0.0,
                        help="fraction of the files in the validation split (default "
                             "%(default)s)")
    parser.add_argument("--test", type=float, default=0.0,
                        help="fraction of the files in the test split (default %(default)s)")
    parser.add_argument("--examples-per-shard", type=int, default=2048,
                        help="images per shard file (default %(default)s)")
    parser.set_defaults(run=run)


def checked_files(root):
    """`from_directory(root)` without the files `scan` finds bad, each named on stderr."""
    from tfimg.data import from_directory
    from tfimg.data.scan import scan

    files = from_directory(root)
    bad = {entry.path: entry for entry in scan(root, progress=True).bad_entries()}
    skipped = [index for index, path in enumerate(files.paths) if path in bad]
    for index in skipped:
        entry = bad[files.paths[index]]
        print(f"skipped {entry.path}: {entry.status}: {entry.reason}", file=sys.stderr)
    if skipped:
        print(f"{len(skipped)} of {len(files)} files skipped (tfimg scan {root} for a report)",
              file=sys.stderr)
    return files.subset(index for index in range(len(files)) if index not in set(skipped))


def run(args):
    from tfimg.data import write_tfrecords

    splits = checked_files(args.root).split(validation=args.validation, test=args.test)
    for split, files in splits.items():
        if len(files):
            paths = write_tfrecords(files, args.out, args.name, split,
                                    examples_per_shard=args.examples_per_shard, progress=True)
            print(f"{split}: {len(files)} images in {len(paths)} shards")
