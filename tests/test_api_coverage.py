"""docs/API_COVERAGE.md is what ``python -m minidl.api_coverage`` writes today: regenerate it
after adding or changing a PyTorch name. Needs PyTorch (the version named on the page)."""
import pathlib
import re

import pytest

PAGE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "API_COVERAGE.md"


def test_committed_page_is_up_to_date():
    torch = pytest.importorskip("torch")
    from minidl import api_coverage

    text = PAGE.read_text()
    version = re.search(r"against PyTorch ([\w.]+);", text).group(1)
    if torch.__version__.split("+")[0] != version:
        pytest.skip(f"the page was generated with PyTorch {version}, this is {torch.__version__}")
    assert api_coverage.generate() == text, (
        "docs/API_COVERAGE.md is stale: run python -m minidl.api_coverage > docs/API_COVERAGE.md"
    )


def test_page_counts_and_notes_differences():
    text = PAGE.read_text()
    assert "| `torch.nn` |" in text and "| `ModuleDict` |" in text
    assert "`batch_first` defaults to True (PyTorch: False)" in text


def test_signature_comparison_names_missing_arguments_and_defaults():
    from minidl.api_coverage import difference

    def theirs(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
        pass

    def ours(x, dim, keepdim=True):
        pass

    assert difference(theirs, ours) == ("no `dtype`; `dim` is required (PyTorch: defaults to "
                                        "None); `keepdim` defaults to True (PyTorch: False)")

    def takes_anything(x, **kwargs):
        pass

    assert difference(theirs, takes_anything) == ""
