"""Constructor options that PyTorch's optimizers accept and minidl's do not implement."""


def reject_unsupported(name, **options):
    """Raise NotImplementedError naming the first option set to anything but its default
    (None or False). ``foreach`` is a speed hint, so any value of it is accepted."""
    for option, value in options.items():
        if value not in (None, False):
            raise NotImplementedError(f"{name}: the {option}= option is not supported")
