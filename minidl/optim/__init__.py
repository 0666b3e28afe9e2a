"""minidl.optim: optimizers and learning-rate schedulers (``import minidl.optim as optim``)."""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD
