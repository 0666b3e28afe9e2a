"""Write the API coverage page: every PyTorch name minidl provides, and what differs.

    python -m minidl.api_coverage > docs/API_COVERAGE.md

The page is generated from the code, never edited by hand: for each namespace (``torch.*``,
``Tensor.*``, ``nn.*``, ``nn.functional.*``...) it lists the public names found in both
PyTorch and minidl, and compares their signatures: arguments PyTorch accepts that minidl's
version lacks, and defaults that differ. PyTorch's functions written in C have no Python
signature; for them the argument names are read from the first lines of their docstrings
(``sum(input, dim, keepdim=False, *, dtype=None) -> Tensor``), which is a heuristic. Names
found only in minidl are listed at the end of each section. tests/test_api_coverage.py checks
that the committed page is what this script writes (with the PyTorch version named on it).

Needs PyTorch installed (only to read its names; minidl never imports it otherwise).
"""
import importlib
import inspect
import re
import sys

# (title, PyTorch object, minidl object); objects are given as "module" or
# "module:attribute" strings, so that importing this file loads neither library.
NAMESPACES = [
    ("torch", "torch", "minidl"),
    ("torch.Tensor", "torch:Tensor", "minidl:Tensor"),
    ("torch.nn", "torch.nn", "minidl.nn"),
    ("torch.nn.Module", "torch.nn:Module", "minidl.nn:Module"),
    ("torch.nn.functional", "torch.nn.functional", "minidl.nn.functional"),
    ("torch.nn.init", "torch.nn.init", "minidl.nn.init"),  # defined there (no imported helpers)
    ("torch.optim", "torch.optim", "minidl.optim"),
    ("torch.optim.Optimizer", "torch.optim:Optimizer", "minidl.optim:Optimizer"),
    ("torch.optim.lr_scheduler", "torch.optim.lr_scheduler", "minidl.optim.lr_scheduler"),
    ("torch.utils.data", "torch.utils.data", "minidl.utils.data"),
    ("torch.linalg", "torch.linalg", "minidl.linalg"),
]

# Deliberate differences that a signature cannot show (see README and shared/API.md).
NOTES = {
    "torch.Tensor.device": "a plain string, \"cpu\" or \"cuda\"",
    "torch.nn.ReLU": "inplace=True is accepted and computed out of place",
    "torch.nn.Dropout": "inplace=True is accepted and computed out of place",
    "torch.utils.data.DataLoader": "takes seed= instead of a generator object",
    "torch.save": "a format that runs no code on load (no pickle), written atomically",
    "torch.load": "reads minidl's no-code format only",
}


def resolve(path):
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


OWN_NAMES_ONLY = {"torch.nn.init"}  # namespaces whose imported helpers are not their API


def public_names(namespace, own_only=False):
    """Public names of a module or class, without submodules or private names (and, with
    ``own_only``, without functions imported from elsewhere)."""
    names = set()
    for name in dir(namespace):
        if name.startswith("_"):
            continue
        try:
            value = getattr(namespace, name)
        except Exception:  # noqa: BLE001 (a lazy or deprecated attribute that fails to load)
            continue
        if inspect.ismodule(value):
            continue
        if own_only and getattr(value, "__module__", namespace.__name__) != namespace.__name__:
            continue
        names.add(name)
    return names


def _documented_parameters(function):
    """Argument names, in order, from a C function's docstring lines
    "name(a, b=1, *, c=None) -> ..." (the union over its overloads); ``*size``-style
    variadic arguments are left out, as inspect leaves them out of a Python signature."""
    name = getattr(function, "__name__", "")
    doc = getattr(function, "__doc__", None) or ""
    found = {}
    for line in doc.splitlines()[:12]:
        match = re.match(rf"\s*(?:\w+\.)*{re.escape(name)}\((.*?)\)\s*(->|$)", line)
        if not match:
            continue
        for part in match.group(1).split(","):
            part = part.strip().split("=")[0].strip()
            if part.isidentifier():
                found.setdefault(part, None)
    return list(found) or None


def parameters(value):
    """{name: default or inspect.Parameter.empty}, True when it takes **kwargs, or None when
    the signature cannot be read."""
    target = value.__init__ if inspect.isclass(value) else value
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        documented = _documented_parameters(value)
        if documented is None:
            return None
        return {name: inspect.Parameter.empty for name in documented}, False
    params, var_keyword = {}, False
    for name, param in signature.parameters.items():
        if name == "self" or param.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            var_keyword = True
            continue
        params[name] = param.default
    return params, var_keyword


IGNORED_ARGUMENTS = {"out", "layout", "pin_memory", "memory_format"}  # no meaning in minidl


def difference(theirs, ours):
    """What a PyTorch call could pass that minidl's version does not take, in words."""
    if not callable(theirs) or not callable(ours):
        return ""
    their_params, ours_read = parameters(theirs), parameters(ours)
    if their_params is None or ours_read is None:
        return ""
    (their_params, _), (our_params, takes_any) = their_params, ours_read
    if their_params and our_params:
        # the first argument is passed by position, so its name may differ (input / x)
        their_first, our_first = next(iter(their_params)), next(iter(our_params))
        if their_first not in our_params and our_first not in their_params:
            their_params = {k: v for k, v in their_params.items() if k != their_first}
            our_params = {k: v for k, v in our_params.items() if k != our_first}
    notes = []
    missing = [name for name in their_params if name not in our_params
               and name not in IGNORED_ARGUMENTS and not name.startswith("_")]
    if missing and not takes_any:
        notes.append("no " + ", ".join(f"`{name}`" for name in missing))
    for name, default in their_params.items():
        if name not in our_params:
            continue
        ours_default = our_params[name]
        if ours_default is inspect.Parameter.empty and default is not inspect.Parameter.empty:
            notes.append(f"`{name}` is required (PyTorch: defaults to {default!r})")
        if inspect.Parameter.empty in (default, ours_default):
            continue
        if _comparable(default) and _comparable(ours_default) and default != ours_default:
            notes.append(f"`{name}` defaults to {ours_default!r} (PyTorch: {default!r})")
    return "; ".join(notes)


def _comparable(value):
    return isinstance(value, (bool, int, float, str, tuple, type(None)))


def section(title, theirs, ours):
    own_only = title in OWN_NAMES_ONLY
    their_names, our_names = public_names(theirs, own_only), public_names(ours, own_only)
    shared = sorted(their_names & our_names)
    rows = []
    for name in shared:
        qualified = f"{title}.{name}"
        notes = [text for text in (NOTES.get(qualified, ""),
                                   difference(getattr(theirs, name), getattr(ours, name)))
                 if text]
        rows.append(f"| `{name}` | {'; '.join(notes)} |")
    only_ours = sorted(our_names - their_names)
    lines = [f"## {title}", "",
             f"{len(shared)} of PyTorch's {len(their_names)} public names.", "",
             "| name | differs |", "|---|---|", *rows, ""]
    if only_ours:
        lines += ["minidl only: " + ", ".join(f"`{name}`" for name in only_ours), ""]
    return lines, len(shared), len(their_names), len(only_ours)


def generate():
    """The page's Markdown text."""
    torch = importlib.import_module("torch")
    body, counts = [], []
    for title, their_path, our_path in NAMESPACES:
        lines, shared, total, only_ours = section(title, resolve(their_path), resolve(our_path))
        body += lines
        counts.append(f"| `{title}` | {shared} | {total} | {only_ours} |")
    version = torch.__version__.split("+")[0]
    header = [
        "# API coverage: the PyTorch names minidl provides",
        "",
        "Generated by `python -m minidl.api_coverage > docs/API_COVERAGE.md` against PyTorch "
        f"{version}; do not edit by hand. \"differs\" lists the arguments PyTorch accepts that "
        "minidl's version does not take (read from signatures, or for PyTorch's C functions "
        "from their docstrings, so a blank is not a guarantee), defaults that differ, and "
        "deliberate differences. An argument minidl lacks raises TypeError; one it has but "
        "does not support for some values raises NotImplementedError naming it.",
        "",
        "| namespace | provided | PyTorch public names | minidl only |",
        "|---|---|---|---|",
        *counts,
        "",
    ]
    return "\n".join(header + body)


if __name__ == "__main__":
    sys.stdout.write(generate())
