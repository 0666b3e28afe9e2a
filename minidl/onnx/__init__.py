"""minidl.onnx: export a model to ONNX (``dl.onnx.export``), as ``torch.onnx.export`` does.

tracer.py records the ops a model runs; converters.py writes each op as ONNX operators;
export.py assembles and checks the graph and writes the file. Needs the ``onnx`` package
(``pip install 'minidl[deploy]'``) when ``export`` runs.
"""
from .converters import ExportError
from .export import export

__all__ = ["ExportError", "export"]
