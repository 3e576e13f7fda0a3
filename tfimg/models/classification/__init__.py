"""Image classifiers: the survey's CIFAR-10 CNN, airbench and ResNet50."""

from tfimg.models.classification.airbench import AIRBENCH_RECIPE, AirbenchNet
from tfimg.models.classification.cifar_cnn import CifarCnn
from tfimg.models.classification.resnet50 import ResNet50Classifier

__all__ = ["AIRBENCH_RECIPE", "AirbenchNet", "CifarCnn", "ResNet50Classifier"]
