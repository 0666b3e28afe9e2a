"""minidl.serve: serve a model's predictions as JSON over HTTP (``python -m minidl.serve``).

models.py loads what to run (an ONNX file or a minidl checkpoint), batcher.py groups
concurrent requests into one model call, server.py is the HTTP side (validation, /health,
/metrics), __main__.py the command line.
"""
from .batcher import MicroBatcher
from .models import MinidlPredictor, OnnxPredictor, load_predictor
from .server import ModelServer

__all__ = ["MicroBatcher", "MinidlPredictor", "ModelServer", "OnnxPredictor", "load_predictor"]
