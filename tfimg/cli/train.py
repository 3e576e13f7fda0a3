"""`tfimg train`: train a model on class folders; run again to resume after a crash."""

import argparse

from tfimg.cli.options import settings_from_args


def add_parser(verbs):
    parser = verbs.add_parser("train", help="train a classifier on class folders (resumable)")
    parser.add_argument("--data", help="class folders DIR/<class>/<image>")
    parser.add_argument("--tfds", help="a tensorflow-datasets name instead of --data")
    parser.add_argument("--model", help="architecture: cifar_cnn (default), airbench, resnet50, "
                        "or your own FILE.py:FUNCTION, a function (num_classes, input_shape) "
                        "-> keras.Model with class probabilities as outputs")
    parser.add_argument("--weights", help="pretrained base of resnet50: 'imagenet' (default) or "
                        "a local weights file")
    parser.add_argument("--fine-tune-epochs", type=int,
                        help="then train the top stages of the pretrained base too")
    parser.add_argument("--fine-tune-stages", type=int, help="stages unfrozen (default 1)")
    parser.add_argument("--fine-tune-learning-rate", type=float,
                        help="default a tenth of the learning rate")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--out", help="run folder (default runs/<model>)")
    parser.add_argument("--config", help="JSON file of settings; flags given here win; "
                        "unset settings take the model's recipe")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--optimizer", choices=["adam", "sgd"])
    parser.add_argument("--learning-rate", type=float, help="peak learning rate")
    parser.add_argument("--schedule", choices=["constant", "warmup_linear", "warmup_cosine"],
                        help="warmup from 0.2x over 23%% of steps, then down to 0.07x")
    parser.add_argument("--label-smoothing", type=float)
    parser.add_argument("--image-size", type=int, nargs=2, metavar=("HEIGHT", "WIDTH"))
    parser.add_argument("--validation", type=float, help="held-out fraction")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--patience", type=int, help="early stopping patience in epochs")
    parser.add_argument("--class-weight", choices=["auto"], help="balance the classes")
    parser.add_argument("--deterministic", action="store_true", default=None,
                        help="TensorFlow op determinism")
    parser.add_argument("--flip", action=argparse.BooleanOptionalAction,
                        help="augment with random horizontal flips")
    parser.add_argument("--alternating-flip", action=argparse.BooleanOptionalAction,
                        help="with --flip, flip each image every other epoch (airbench)")
    parser.add_argument("--translate", type=int, metavar="PIXELS",
                        help="augment with random shifts of up to PIXELS")
    parser.add_argument("--lookahead", action=argparse.BooleanOptionalAction,
                        help="lookahead weight averaging every 5 steps (airbench)")
    parser.add_argument("--whiten-bias-epochs", type=int, metavar="EPOCHS",
                        help="airbench: train the whitening bias for EPOCHS only")
    parser.add_argument("--data-service", metavar="grpc://HOST:PORT",
                        help="decode training images on tf.data service workers")
    parser.add_argument("--init", metavar="MODEL",
                        help="start from this model folder's weights (same architecture and "
                             "classes)")
    parser.add_argument("--quantization-aware", action="store_true", default=None,
                        help="fine-tune the --init model in its int8-simulating form "
                             "(cifar_cnn, airbench) for a few epochs at a low learning rate, "
                             "for an int8 export that keeps its decisions")
    parser.set_defaults(run=run)


def run(args):
    from tfimg.train import TrainConfig, train

    train(settings_from_args(TrainConfig, args))
