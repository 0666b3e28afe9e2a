"""Checks of optimizer constructor options, with PyTorch's errors: options minidl does not
implement, and values that must not be negative."""


def reject_unsupported(name, **options):
    """Raise NotImplementedError naming the first option set to anything but its default
    (None or False). ``foreach`` is a speed hint, so any value of it is accepted."""
    for option, value in options.items():
        if value not in (None, False):
            raise NotImplementedError(f"{name}: the {option}= option is not supported")


def reject_negative(name, *options):
    """Raise PyTorch's ValueError for the first (label, value) pair whose value is negative,
    e.g. ``("learning rate", lr)`` -> "SGD: invalid learning rate: -0.1"."""
    for label, value in options:
        if value < 0:
            raise ValueError(f"{name}: invalid {label}: {value}")
