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

# ---- data parallelism (issue 18) ----
from . import parallel  # noqa: E402
