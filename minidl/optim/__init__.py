"""minidl.optim: optimizers and learning-rate schedulers (``import minidl.optim as optim``)."""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
