"""`tfimg train`: train a model on class folders (or a style-transfer network on photos); run
again to resume after a crash."""

import argparse

from tfimg.cli.options import settings_from_args

# Settings the model's recipe fills when left unset (`tfimg.models.model_spec(name).recipe`,
# then general defaults); config.json in the run folder records the values used.
RECIPE = "default: the model's recipe"


def add_parser(verbs):
    parser = verbs.add_parser("train", help="train a classifier on class folders, or a style "
                              "transfer network on photos (resumable)")
    option = parser.add_argument
    option("--task", choices=["classify", "sr", "denoise", "style"], default="classify",
           help="classify (default): class folders; style: a fast style-transfer network for "
                "--style, trained on the photos under --data (other settings: --config with "
                "tfimg.train.style.StyleConfig's fields)")
    option("--style", help="--task style: the style image, JPEG or PNG (default none)")
    option("--data", help="class folders DIR/<class>/<image> (default none: --data or --tfds "
           "is required)")
    option("--tfds", help="a tensorflow-datasets name instead of --data (default none)")
    option("--model", help="architecture: cifar_cnn (default), airbench, resnet50, or your own "
           "FILE.py:FUNCTION, a function (num_classes, input_shape) -> keras.Model with class "
           "probabilities as outputs")
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
    parser.set_defaults(run=run)


def run(args):
    if args.style and args.task != "style":
        raise ValueError(f"--style is for --task style, received --task {args.task}")
    if args.task == "style":
        from tfimg.train.style import StyleConfig, train_style

        print(train_style(settings_from_args(StyleConfig, args)))
        return
    if args.task != "classify":
        raise ValueError(f"--task {args.task} is not available in this version (classify, "
                         f"style are)")
    from tfimg.train import TrainConfig, train

    train(settings_from_args(TrainConfig, args))
