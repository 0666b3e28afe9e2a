"""Shakespeare's sonnets, a small public-domain text for character-level language models."""
from importlib import resources


def load_sonnets():
    """Sixteen of Shakespeare's sonnets as one string (about 10,000 characters), offline.

    Public domain; the edition and the list of sonnets are in ``minidl/datasets/data/README.md``.
    Each sonnet is its Roman numeral, a blank line, its fourteen lines, and a blank line.
    """
    return resources.files(__package__).joinpath("data", "sonnets.txt").read_text(encoding="utf-8")
