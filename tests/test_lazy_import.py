"""``import minidl`` offers nn, optim, utils.data, autograd and datasets as ``import torch``
does, but loads them only on first use, so that the import itself stays fast."""
import subprocess
import sys
import time

import minidl


def run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_submodules_are_not_loaded_by_import_minidl():
    loaded = run("import sys, minidl; print(sorted(m for m in sys.modules "
                 "if m.startswith(('minidl.nn', 'minidl.optim', 'minidl.data', 'numba'))))")
    assert loaded == "[]"


def test_submodules_load_on_first_use():
    out = run("import minidl as torch\n"
              "print(torch.nn.Linear.__name__, torch.optim.AdamW.__name__,\n"
              "      torch.utils.data.DataLoader.__name__, torch.datasets.load_digits.__name__,\n"
              "      torch.autograd.backward.__name__, torch.nn.functional.relu.__name__)")
    assert out == "Linear AdamW DataLoader load_digits backward relu"


def test_utils_data_is_minidl_data_under_both_import_forms():
    import minidl.utils.data
    from minidl.utils.data import DataLoader

    assert minidl.utils.data is minidl.data
    assert DataLoader is minidl.data.DataLoader


def test_unknown_attribute_still_raises_attribute_error():
    try:
        minidl.no_such_name
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_lazy_names_are_listed_by_dir():
    assert {"nn", "optim", "utils", "datasets", "autograd"} <= set(dir(minidl))


def test_import_stays_fast():
    """A generous bound (the target is 0.3 s; a loaded machine can be much slower)."""
    start = time.perf_counter()
    run("import minidl")
    assert time.perf_counter() - start < 3.0
