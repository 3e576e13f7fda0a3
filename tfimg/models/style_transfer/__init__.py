"""Style transfer: the fast `TransformNet` (Johnson et al., 2016), the perceptual losses
(content, Gram-matrix style, total variation; Gatys et al., 2016) and the feature networks they
are measured with (`StyleFeatures`: ImageNet VGG19, or fixed random multi-scale filters)."""

from tfimg.models.style_transfer.transform_net import TransformNet

__all__ = ["TransformNet"]
