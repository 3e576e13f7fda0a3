"""`tfimg train`: train a classifier on class folders, a super-resolution or denoising model
(`--task sr|denoise`) or a fast style-transfer network (`--task style`) on a folder of photos;
run again to resume after a crash."""

import argparse
import json

from tfimg.cli.options import settings_from_args

# Settings the model's recipe fills when left unset (`tfimg.models.model_spec(name).recipe`,
# then general defaults); config.json in the run folder records the values used.
RECIPE = "default: the model's recipe"


def add_parser(verbs):
    parser = verbs.add_parser("train", help="train a classifier on class folders, or a "
                              "restoration or style-transfer model on photos (resumable)")
    option = parser.add_argument
    option("--task", choices=["classify", "sr", "denoise", "style"], default="classify",
           help="classify (class folders), sr (super-resolution), denoise, or style (a fast "
           "style-transfer network for --style; other settings: --config with "
           "tfimg.train.style.StyleConfig's fields); all but classify train on random crops "
           "of the photos under --data (default classify)")
    option("--style", help="--task style: the style image, JPEG or PNG (default none)")
    option("--data", help="class folders DIR/<class>/<image> (default none: --data or --tfds "
           "is required)")
    option("--tfds", help="a tensorflow-datasets name instead of --data (default none)")
    option("--model", help="architecture: cifar_cnn (default), airbench, resnet50, or your own "
           "FILE.py:FUNCTION, a function (num_classes, input_shape) -> keras.Model with class "
           "probabilities as outputs; for --task sr: edsr (default), espcn, srcnn, srresnet; "
           "for --task denoise: dncnn")
    option("--weights", help="pretrained base of resnet50, or --task style's VGG19 features: "
           "'imagenet' (default) or a local weights file")
    option("--fine-tune-epochs", type=int, help="then train the top stages of the pretrained "
           "base too (default 0)")
    option("--fine-tune-stages", type=int, help="stages unfrozen (default 1)")
    option("--fine-tune-learning-rate", type=float, help="default a tenth of the learning rate")
    option("--epochs", type=int, help=RECIPE + ", else 10")
    option("--out", help="run folder (default runs/<model>)")
    option("--config", help="JSON file of settings; flags given here win (default none)")
    option("--batch-size", type=int, help=RECIPE + ", else 64")
    option("--optimizer", choices=["adam", "sgd"], help=RECIPE + ", else adam")
    option("--learning-rate", type=float, help="peak learning rate; " + RECIPE + ", else 0.001")
    option("--schedule", choices=["constant", "warmup_linear", "warmup_cosine"],
           help="warmup from 0.2x over 23%% of steps, then down to 0.07x; " + RECIPE
           + ", else constant")
    option("--label-smoothing", type=float, help=RECIPE + ", else 0")
    option("--image-size", type=int, nargs=2, metavar=("HEIGHT", "WIDTH"),
           help=RECIPE + ", else 32 32")
    option("--validation", type=float, help="held-out fraction (default 0.2)")
    option("--seed", type=int, help="default 0")
    option("--patience", type=int, help="early stopping patience in epochs (default none)")
    option("--class-weight", choices=["auto"], help="balance the classes (default off)")
    option("--deterministic", action="store_true", default=None,
           help="TensorFlow op determinism (default off)")
    option("--flip", action=argparse.BooleanOptionalAction,
           help="augment with random horizontal flips; " + RECIPE + ", else off")
    option("--alternating-flip", action=argparse.BooleanOptionalAction,
           help="with --flip, flip each image every other epoch; " + RECIPE + ", else off")
    option("--translate", type=int, metavar="PIXELS",
           help="augment with random shifts of up to PIXELS; " + RECIPE + ", else 0")
    option("--lookahead", action=argparse.BooleanOptionalAction,
           help="lookahead weight averaging every 5 steps; " + RECIPE + ", else off")
    option("--whiten-bias-epochs", type=int, metavar="EPOCHS",
           help="airbench: train the whitening bias for EPOCHS only; " + RECIPE + ", else 0")
    option("--data-service", metavar="grpc://HOST:PORT",
           help="decode training images on tf.data service workers (default: here)")
    option("--init", metavar="MODEL", help="start from this model folder's weights (same "
           "architecture and classes; default none)")
    option("--quantization-aware", action="store_true", default=None,
           help="fine-tune the --init model in its int8-simulating form (cifar_cnn, airbench) "
                "for a few epochs at a low learning rate, for an int8 export that keeps its "
                "decisions (default off)")
    restoration = parser.add_argument_group(
        "restoration (--task sr or denoise; defaults: tfimg.train.RestorationConfig)")
    option = restoration.add_argument
    option("--scale", type=int, help="super-resolution factor (default 4)")
    option("--sigma", type=float, nargs=2, metavar=("LOW", "HIGH"),
           help="noise standard deviations in grey levels drawn per patch (default 0 55)")
    option("--patch-size", type=int, help="side of the high-resolution or clean training "
           "crops (default 32 * scale for sr, 64 for denoise)")
    option("--steps-per-epoch", type=int, help="batches per epoch (default 500)")
    option("--loss", choices=["l1", "mse"], help="pixel loss (default l1)")
    option("--precision", choices=["auto", "float32", "mixed_bfloat16", "mixed_float16"],
           help="auto: mixed_float16 on a GPU, mixed_bfloat16 on CPUs with bfloat16 units, "
           "else float32 (default auto)")
    option("--model-options", type=json.loads, metavar="JSON",
           help='model constructor arguments, e.g. \'{"filters": 64, "blocks": 16}\' '
           "(default: the model's recipe)")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.train import RestorationConfig, TrainConfig, train, train_restoration
    from tfimg.train.style import StyleConfig, train_style

    task = args.task
    config_class, run_training = {"classify": (TrainConfig, train),
                                  "style": (StyleConfig, train_style)}.get(
        task, (RestorationConfig, train_restoration))
    _refuse_foreign_flags(args, config_class, task)
    run_training(settings_from_args(config_class, args))


def _refuse_foreign_flags(args, config_class, task):
    """A flag of the other kind of training given is refused, naming it, rather than ignored."""
    import dataclasses

    fields = {field.name for field in dataclasses.fields(config_class)}
    foreign = sorted(name for name, value in vars(args).items()
                     if value is not None and name not in fields
                     and name not in ("task", "config", "run", "verb"))
    if foreign:
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in foreign)
        raise ValueError(f"{flags} do{'es' if len(foreign) == 1 else ''} not apply to --task "
                         f"{task}")
