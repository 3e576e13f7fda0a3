"""Style transfer speed on this CPU, in one run: milliseconds per 512x512 image for a fast style
model (Keras, SavedModel, TFLite float32) and seconds for 100 Gatys optimisation steps at 512 px,
with the style loss those steps reach against the content image's own.

    python benchmarks/style.py saved_models/style_strokes --size 512 --steps 100

The image is a held-out photo of the model's training, centre-cropped to SIZE x SIZE. Latencies
are medians of `--repeat` calls after one warm-up call; Gatys time includes tracing. The feature
network is ImageNet VGG19 when Keras can load it, else the random multi-scale fallback (said on
stderr and in the output). Set TF_NUM_INTRAOP_THREADS to pin the threads.
"""

import argparse
import json
import os
import tempfile
import time

import numpy as np
import tensorflow as tf
from PIL import Image

from tfimg.data import Preprocessing
from tfimg.export import tflite
from tfimg.export.exporter import median_ms
from tfimg.export.image_to_image import TfliteImageModel, image_archive
from tfimg.export.serving import IMAGES_SIGNATURE, quiet_saving
from tfimg.models import load_model_folder
from tfimg.models.style_transfer.features import StyleFeatures
from tfimg.models.style_transfer.losses import gram_matrix, style_loss
from tfimg.train.gatys import stylize_optimize


def _photo(metadata, size):
    path = os.path.join(metadata["dataset"], metadata["held_out"][0])
    decoder = Preprocessing(image_size=(size, size), resize_mode="crop",
                            normalize="none").decoder()
    return np.round(decoder(tf.constant(open(path, "rb").read())).numpy()).astype(np.uint8)


def fast_model_ms(model, image, repeat):
    """{format: ms per image} of the model on one uint8 [1, size, size, 3] image."""
    floats = image.astype(np.float32)
    figures = {"keras": median_ms(lambda: model(floats, training=False), repeat)}
    with tempfile.TemporaryDirectory() as folder, quiet_saving():
        image_archive(model).write_out(os.path.join(folder, "dynamic"), verbose=False)
        serve = tf.saved_model.load(os.path.join(folder, "dynamic")).signatures[
            IMAGES_SIGNATURE]
        figures["saved_model"] = median_ms(lambda: serve(images=tf.constant(image)), repeat)
        fixed = os.path.join(folder, "fixed")
        image_archive(model, image.shape[1:3]).write_out(fixed, verbose=False)
        lite = TfliteImageModel(tflite.convert(fixed))
        figures["tflite"] = median_ms(lambda: lite.predict(image), repeat)
    return figures


def gatys(content, style, steps):
    features = StyleFeatures.load("imagenet")
    start = time.perf_counter()
    _, history = stylize_optimize(content, style, features, steps=steps, progress=False)
    seconds = time.perf_counter() - start
    grams = [gram_matrix(layer) for layer in features(style[None])[1]]
    own = float(style_loss(features(content[None])[1], grams))
    return {"features": features.network, "steps": steps, "seconds": seconds,
            "content_own_style_loss": own, "final_style_loss": history["style"][-1],
            "style_loss_ratio": own / history["style"][-1]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a style model folder")
    parser.add_argument("--size", type=int, default=512, help="image side (default 512)")
    parser.add_argument("--steps", type=int, default=100, help="Gatys steps (default 100)")
    parser.add_argument("--repeat", type=int, default=10, help="timed calls (default 10)")
    args = parser.parse_args()
    model, metadata = load_model_folder(args.model)
    image = _photo(metadata, args.size)
    style = Image.open(os.path.join(args.model, metadata["style"])).convert("RGB")
    style = np.asarray(style.resize((args.size, args.size), Image.LANCZOS), np.float32)
    result = {"size": args.size, "threads": os.environ.get("TF_NUM_INTRAOP_THREADS", "all"),
              "ms_per_image": fast_model_ms(model, image, args.repeat),
              "gatys": gatys(image[0].astype(np.float32), style, args.steps)}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
