"""minidl.nn: layers, losses and the Module base class (``import minidl.nn as nn``)."""
from . import functional, init, utils
from .activation import GELU, ReLU, Sigmoid, Softmax, Tanh
from .attention import MultiheadAttention
from .container import ModuleList, Sequential
from .dropout import Dropout
from .linear import Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import Module
from .normalization import LayerNorm
from .parameter import Parameter
from .positional import LearnedPositionalEncoding, SinusoidalPositionalEncoding
from .sparse import Embedding
from .transformer import TransformerEncoder, TransformerEncoderLayer

# convolutional networks
from .batchnorm import BatchNorm1d, BatchNorm2d  # noqa: E402
from .conv import Conv1d, Conv2d, ConvTranspose2d  # noqa: E402
from .dropout import Dropout2d  # noqa: E402
from .normalization import GroupNorm  # noqa: E402
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d  # noqa: E402
from .upsampling import Upsample  # noqa: E402
