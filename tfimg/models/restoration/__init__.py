"""Image restoration models: super-resolution (SRCNN, ESPCN, EDSR, SRResNet with an SRGAN
discriminator) and denoising (DnCNN). Inputs and outputs are RGB in [0, 1]."""

from tfimg.models.restoration.dncnn import DnCnn
from tfimg.models.restoration.edsr import Edsr
from tfimg.models.restoration.espcn import Espcn
from tfimg.models.restoration.srcnn import Srcnn
from tfimg.models.restoration.srgan_discriminator import SrganDiscriminator
from tfimg.models.restoration.srresnet import SrResNet

__all__ = ["DnCnn", "Edsr", "Espcn", "Srcnn", "SrResNet", "SrganDiscriminator"]
