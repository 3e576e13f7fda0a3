"""Input pipeline throughput: tfimg against plain tf.data, PIL, OpenCV, a naive loop and Keras.

    python benchmarks/input_pipeline.py --data /tmp/cifar/train --size 32 --repeats 3
    python benchmarks/input_pipeline.py --make-photos /tmp/photos_bench \
        --from photos/sun80 photos/urban100 --sizes 640x480,1920x1080,827x1170,original

Every loader reads the same files in one process, K times per measurement (`--passes`), after
one read of every file has warmed the page cache; the loaders take turns, one run each per
round, so that a change of the machine's load falls on all of them. Rates are images per
second of wall time, with the CPU time of the process per image beside them (steadier on a
shared machine); tfimg's first epoch counts the building of its pipeline in, as Keras' and
the plain chains' do. Quality, for the loaders that resize, is the median PSNR of their uint8
images against PIL's Lanczos (antialiased) resize of the full decode, on up to
`--quality-files` files.
"""

import argparse
import collections
import concurrent.futures
import os
import platform
import random
import shutil
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

import cv2  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

import tfimg.data as data  # noqa: E402
from tfimg.formats import is_image_name  # noqa: E402


def list_files(root, limit):
    """`ImageFiles` of class folders, or of a flat folder as the single class "all"."""
    root = os.path.abspath(root)
    if any(entry.is_dir() and not entry.name.startswith(".") for entry in os.scandir(root)):
        files = data.from_directory(root)
    else:
        paths = tuple(sorted(name for name in os.listdir(root)
                             if not name.startswith(".") and is_image_name(name)))
        files = data.ImageFiles(root, paths, (0,) * len(paths), ("all",))
    if limit and limit < len(files):
        files = files.subset(sorted(random.Random(0).sample(range(len(files)), limit)))
    return files


def keras_folder(files, flat, scratch):
    """A folder holding exactly `files` for Keras: the dataset, or links to a subset in
    `scratch`."""
    listed = sum(sum(map(is_image_name, names)) for _, _, names in os.walk(files.root))
    if len(files) == listed:
        return files.root
    folder = os.path.join(scratch, "keras")
    for path in files.paths:
        target = os.path.join(folder, os.path.basename(path) if flat else path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(os.path.join(files.root, path), target)
    return folder


def describe(files):
    """Prints counts, bytes and pixel sizes (of up to 500 files); warms the page cache.

    Returns:
        (whether every file is a JPEG (by content), the set of sampled (height, width)).
    """
    paths = files.full_paths()
    total, all_jpeg = 0, True
    for path in paths:
        with open(path, "rb") as file:
            contents = file.read()
        total += len(contents)
        all_jpeg = all_jpeg and contents.startswith(b"\xff\xd8\xff")
    sample = random.Random(0).sample(paths, min(500, len(paths)))
    sizes = collections.Counter("%dx%d" % Image.open(path).size for path in sample)
    common = ", ".join(f"{size} ({count})" for size, count in sizes.most_common(3))
    print(f"files: {len(paths)} in {files.num_classes} classes, {total / 2**20:.1f} MiB, "
          f"mean {total / len(paths) / 1024:.1f} KiB; sizes (of {len(sample)}): {common}")
    return all_jpeg, {(height, width) for width, height in (
        map(int, size.split("x")) for size in sizes)}


def consume(dataset):
    for _ in dataset:
        pass


def tfimg_first(files, args, builds, **overrides):
    """One run: a fresh pipeline and its first epoch, so that the build (tracing the decode
    functions) is counted in; the build's seconds are appended to `builds`."""
    def run():
        start = time.perf_counter()
        pipe = data.build_pipeline(files, image_size=(args.size, args.size), shuffle=True,
                                   batch_size=args.batch_size, normalize="standardize",
                                   **overrides)
        builds.append(time.perf_counter() - start)
        consume(pipe.dataset)
    return run


def tfimg_cached(files, args):
    """Built and filled once (the filling epoch's rate is printed); each run is one epoch
    served from memory."""
    pipe = data.build_pipeline(files, image_size=(args.size, args.size), shuffle=True,
                               batch_size=args.batch_size, cache="memory")
    start = time.perf_counter()
    consume(pipe.dataset)
    print(f"tfimg cached: filling epoch {len(files) / (time.perf_counter() - start):.0f} "
          f"images/s")
    return lambda: consume(pipe.dataset)


def _untuned(dataset):
    """tf.data's autotuning often leaves a short run on one core of a 2-core machine (measured
    18k against 32k images/s on CIFAR-10); references run with the cores set, as tfimg does."""
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def _decode_shape(contents, all_jpeg):
    if all_jpeg:
        return tf.shape(tf.io.decode_jpeg(contents, channels=3))
    return tf.shape(tf.io.decode_image(contents, channels=3, expand_animations=False))


def raw_decode(files, args, all_jpeg):
    """Read + decode only (no resize): each image is reduced to its shape inside the map."""
    def run():
        dataset = tf.data.Dataset.from_tensor_slices(list(files.full_paths()))
        dataset = dataset.map(lambda path: _decode_shape(tf.io.read_file(path), all_jpeg),
                              num_parallel_calls=CORES, deterministic=False)
        consume(_untuned(dataset.batch(args.batch_size).prefetch(2)))
    return run


def raw_decode_chunked(files, args, all_jpeg):
    """The same work as `raw_decode`, files read and decoded in one `tf.map_fn` loop per chunk
    of 256 (or 8 large) files: a tuned plain tf.data chain."""
    def decode(paths):
        return tf.map_fn(lambda path: _decode_shape(tf.io.read_file(path), all_jpeg), paths,
                         fn_output_signature=tf.int32, parallel_iterations=1)

    def run():
        chunk = 256 if args.size <= 64 else 8
        dataset = tf.data.Dataset.from_tensor_slices(list(files.full_paths())).batch(chunk)
        consume(_untuned(dataset.map(decode, num_parallel_calls=CORES,
                                     deterministic=False).prefetch(2)))
    return run


def plain_chain(files, args, all_jpeg, sizes):
    """The design card's chain in plain tf.data, with no robustness: chunks of files read,
    decoded (full size), resized with plain bilinear (unless every file has the output size
    already), standardised per image and rebatched; the same work as tfimg's first epoch
    without its checks, retries and shuffling."""
    size = (args.size, args.size)
    resize = sizes != {size}

    def decode(path):
        contents = tf.io.read_file(path)
        image = (tf.io.decode_jpeg(contents, channels=3) if all_jpeg else
                 tf.io.decode_image(contents, channels=3, expand_animations=False))
        if resize:
            return tf.cast(tf.round(tf.image.resize(image, size)), tf.uint8)
        return tf.ensure_shape(image, [*size, 3])

    def chunk(paths):
        images = tf.map_fn(decode, paths, parallel_iterations=1,
                           fn_output_signature=tf.TensorSpec([*size, 3], tf.uint8))
        return tf.image.per_image_standardization(tf.cast(images, tf.float32))

    def run():
        dataset = tf.data.Dataset.from_tensor_slices(list(files.full_paths()))
        dataset = dataset.batch(256 if args.size <= 64 else 8).map(
            chunk, num_parallel_calls=CORES, deterministic=False)
        consume(_untuned(dataset.rebatch(args.batch_size).prefetch(2)))
    return run


def threaded(files, decode):
    paths = files.full_paths()

    def run():
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
            for _ in pool.map(decode, paths):
                pass
    return run


def pil_decode(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def opencv_decode(path):
    return cv2.imread(path, cv2.IMREAD_COLOR)


def standardize(batch):
    """`tf.image.per_image_standardization` in NumPy: float32 [n, h, w, c], per image."""
    batch = batch.astype(np.float32)
    mean = batch.mean(axis=(1, 2, 3), keepdims=True)
    floor = 1.0 / np.sqrt(np.prod(batch.shape[1:]))
    return (batch - mean) / np.maximum(batch.std(axis=(1, 2, 3), keepdims=True), floor)


def naive_loop(files, args):
    """The survey's loader: one Python loop of imread + resize, then stack and standardise.

    Stacked per batch rather than all at once, which costs the same and bounds memory.
    """
    paths = files.full_paths()

    def run():
        for start in range(0, len(paths), args.batch_size):
            images = [cv2.resize(cv2.imread(path, cv2.IMREAD_COLOR), (args.size, args.size))
                      for path in paths[start:start + args.batch_size]]
            standardize(np.stack(images))
    return run


def keras_loader(args, folder, flat):
    def run():
        dataset = keras.utils.image_dataset_from_directory(
            folder, labels=None if flat else "inferred", image_size=(args.size, args.size),
            batch_size=args.batch_size, shuffle=True, verbose=False)
        consume(dataset.repeat(args.passes))
    return run


def measure(loaders, count, repeats):
    """Runs every loader once per round, `repeats` rounds, so that a change in the machine's
    load during the benchmark falls on all loaders alike.

    Args:
        loaders: name -> a function making the loader's `run()` (set-up done), which
            processes `count` images.

    Returns:
        name -> list of (images per second of wall time, CPU seconds of this process per
        image), or the loader's error as a string.
    """
    results, runs = {}, {}
    for name, make in loaders.items():
        try:
            runs[name] = make()
            results[name] = []
        except Exception as error:  # noqa: BLE001 - a failing loader is a result
            results[name] = f"failed: {type(error).__name__}: {str(error).splitlines()[0]}"
    for _ in range(repeats):
        for name, run in list(runs.items()):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                run()
            except Exception as error:  # noqa: BLE001
                results[name] = f"failed: {type(error).__name__}: {str(error).splitlines()[0]}"
                del runs[name]
                continue
            results[name].append((count / (time.perf_counter() - wall),
                                  (time.process_time() - cpu) / count))
    for name, values in results.items():
        if isinstance(values, list):
            print(f"{name}: " + ", ".join(f"{rate:.0f}" for rate, _ in values) + " images/s")
    return results


def psnr(actual, expected):
    """Peak signal-to-noise ratio of uint8 images in dB."""
    error = np.mean((actual.astype(np.float64) - expected.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else float(10 * np.log10(255.0 ** 2 / error))


def quality(files, args, scratch):
    """Median PSNR against PIL's Lanczos resize, per loader that resizes, on a sample."""
    size = (args.size, args.size)
    sample = files.subset(range(min(len(files), args.quality_files)))
    paths = sample.full_paths()
    references = [np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB")
                             .resize(size, Image.Resampling.LANCZOS)) for path in paths]
    folder = os.path.join(scratch, "quality")
    os.makedirs(folder)
    for number, path in enumerate(paths):
        os.symlink(path, os.path.join(folder, f"{number:05d}.jpg"))
    outputs = {}
    for antialias, name in (("auto", "tfimg"), (True, "tfimg antialias=True"),
                            (False, "tfimg antialias=False")):
        pipe = data.build_pipeline(sample, image_size=size, batch_size=args.batch_size,
                                   normalize="none", antialias=antialias)
        outputs[name] = np.concatenate([images.numpy() for images, _ in pipe.dataset])
    keras_data = keras.utils.image_dataset_from_directory(
        folder, labels=None, image_size=size, batch_size=args.batch_size, shuffle=False,
        verbose=False)
    outputs["keras image_dataset_from_directory"] = np.concatenate(
        [np.clip(np.round(images.numpy()), 0, 255) for images in keras_data])
    outputs["survey naive loop"] = np.stack([cv2.cvtColor(cv2.resize(
        cv2.imread(path, cv2.IMREAD_COLOR), size), cv2.COLOR_BGR2RGB) for path in paths])
    return {name: statistics.median(psnr(image, reference)
                                    for image, reference in zip(images, references))
            for name, images in outputs.items()}


def benchmark(args):
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
          f"{platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}")
    files = list_files(args.data, args.limit)
    flat = files.class_names == ("all",)
    all_jpeg, sizes = describe(files)
    # The file list repeated, so that one epoch (or one pass of a thread pool) is one measurement.
    many = data.ImageFiles(files.root, files.paths * args.passes, files.labels * args.passes,
                           files.class_names)
    print(f"each measurement: {args.passes} pass(es) = {len(many)} images, size {args.size}, "
          f"batch {args.batch_size}, {args.repeats} repeats; raw decode limit uses "
          f"{'decode_jpeg' if all_jpeg else 'decode_image'}\n")
    builds = collections.defaultdict(list)
    loaders = {
        "tfimg": lambda: tfimg_first(many, args, builds["tfimg"]),
        "tfimg antialias=True": lambda: tfimg_first(many, args, builds["antialias=True"],
                                                    antialias=True),
        "tfimg antialias=False": lambda: tfimg_first(many, args, builds["antialias=False"],
                                                     antialias=False),
        "tfimg cached": lambda: tfimg_cached(many, args),
        "raw decode limit": lambda: raw_decode(many, args, all_jpeg),
        "raw decode, chunked loop": lambda: raw_decode_chunked(many, args, all_jpeg),
        "plain chunked chain, same work": lambda: plain_chain(many, args, all_jpeg, sizes),
        "PIL decode-only": lambda: threaded(many, pil_decode),
        "OpenCV decode-only": lambda: threaded(many, opencv_decode),
        "survey naive loop": lambda: naive_loop(many, args),
        "keras image_dataset_from_directory":
            lambda: keras_loader(args, keras_folder(files, flat, scratch), flat),
    }
    # TensorFlow's one-time start (thread pools, first graph) is paid here, not by the first
    # loader measured.
    consume(tf.data.Dataset.range(1000).map(tf.square, num_parallel_calls=tf.data.AUTOTUNE))
    with tempfile.TemporaryDirectory(prefix="tfimg_bench_") as scratch:
        results = measure(loaders, len(many), args.repeats)
        psnrs = quality(files, args, scratch) if args.quality_files else {}
    print("tfimg pipeline builds (median s): " + ", ".join(
        f"{name} {statistics.median(times):.2f}" for name, times in builds.items() if times))
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print_table(results, psnrs)


def print_table(results, psnrs):
    rates = {name: [rate for rate, _ in values] for name, values in results.items()
             if isinstance(values, list)}
    median = {name: statistics.median(values) for name, values in rates.items()}
    cpu = {name: statistics.median(seconds for _, seconds in results[name]) for name in rates}
    limit = median.get("raw decode limit")
    print("| loader | images/s (median) | min | max | ratio vs raw decode limit | "
          "CPU ms per image | PSNR vs PIL Lanczos, dB (median) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, values in results.items():
        if name not in rates:
            print(f"| {name} | {values} | | | | | |")
            continue
        ratio = f"{median[name] / limit:.2f}" if limit else "-"
        value = f"{psnrs[name]:.2f}" if name in psnrs else "-"
        print(f"| {name} | {median[name]:.0f} | {min(rates[name]):.0f} | "
              f"{max(rates[name]):.0f} | {ratio} | {cpu[name] * 1000:.3f} | {value} |")
    for top, bottom in (("tfimg", "keras image_dataset_from_directory"),
                        ("tfimg", "raw decode, chunked loop"),
                        ("tfimg", "plain chunked chain, same work"), ("tfimg", "survey naive loop"),
                        ("tfimg cached", "tfimg")):
        if top in median and bottom in median:
            print(f"{top} / {bottom}: {median[top] / median[bottom]:.2f}x images/s, "
                  f"{cpu[bottom] / cpu[top]:.2f}x less CPU per image")


def make_photo(source, target, size):
    """Writes `source` as a JPEG of `size` (width, height), or, for size None, at its own size
    (a JPEG is copied as it is: a folder of many sizes, as photos come)."""
    if os.path.exists(target):
        return False
    partial = f"{target}.{os.getpid()}.tmp"
    with Image.open(source) as image:
        if size is None and image.format == "JPEG":
            shutil.copyfile(source, partial)
        else:
            image = ImageOps.exif_transpose(image).convert("RGB")
            if size is not None:
                # Covering resize then centre crop: the photo fills the new aspect ratio.
                image = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
            image.save(partial, "JPEG", quality=90)
    os.replace(partial, target)
    return True


def make_photos(out, sources, sizes):
    """Writes `out/<W>x<H>/photos/<name>.jpg` for every source photo and size, and
    `out/original/photos/<name>.jpg` for the size "original"."""
    photos = {}
    for source in sources:
        for name in sorted(os.listdir(source)):
            stem = os.path.splitext(name)[0]
            if is_image_name(name) and not name.startswith("."):
                if stem in photos:
                    raise ValueError(f"Photo name {stem!r} found twice: {photos[stem]!r}, "
                                     f"{os.path.join(source, name)!r}")
                photos[stem] = os.path.join(source, name)
    jobs = []
    for text in sizes.lower().split(","):
        size = None if text == "original" else tuple(int(part) for part in text.split("x"))
        folder = os.path.join(out, text, "photos")
        os.makedirs(folder, exist_ok=True)
        jobs += [(path, os.path.join(folder, stem + ".jpg"), size) for stem, path in photos.items()]
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        made = sum(pool.map(lambda job: make_photo(*job), jobs))
    print(f"{len(photos)} photos x {len(sizes.split(','))} sizes: made {made}, "
          f"{len(jobs) - made} already there, in {out}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="class folders or a flat folder of images")
    parser.add_argument("--size", type=int, default=224, help="output side in pixels")
    parser.add_argument("--limit", type=int, help="use this many files (a fixed random subset)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--passes", type=int, default=1, help="times each measurement reads "
                        "the file list (for small corpora)")
    parser.add_argument("--make-photos", metavar="OUT", help="build a JPEG corpus instead")
    parser.add_argument("--from", dest="sources", nargs="+", help="photo folders to resize")
    parser.add_argument("--sizes", default="640x480,1920x1080,827x1170,original",
                        help="WxH,WxH,...; original: each photo at its own size")
    parser.add_argument("--quality-files", type=int, default=50, help="files on which the "
                        "PSNR column is measured (0: none)")
    args = parser.parse_args(argv)
    if args.make_photos:
        if not args.sources:
            parser.error("--make-photos needs --from")
        make_photos(args.make_photos, args.sources, args.sizes)
    elif args.data:
        benchmark(args)
    else:
        parser.error("give --data DIR or --make-photos OUT")


if __name__ == "__main__":
    main()
