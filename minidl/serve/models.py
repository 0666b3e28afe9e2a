"""What the server runs: a model behind one call, ``predictor(batch) -> outputs``, that also
says what one example must look like (its shape and dtype), for request validation.

Two kinds of file:
- an ONNX file (``*.onnx``, e.g. from ``dl.onnx.export``), run by onnxruntime; the shape and
  dtype of an example come from the model's first input (its first axis is the batch);
- a minidl checkpoint (``dl.save``) plus a factory that builds the model
  (``package.module:function``, e.g. ``minidl.examples.train_digits:build_model``); the
  checkpoint is a state_dict or a dict with the state_dict under "model" (as train_digits
  writes it). If it also holds "mean" and "std", inputs are standardized with them first.
  The example shape and dtype are given on the command line.
"""
import importlib

import numpy as np

_ONNX_DTYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64,
                "tensor(int64)": np.int64, "tensor(int32)": np.int32}


class OnnxPredictor:
    """An exported model run by onnxruntime (one thread: the server batches requests)."""

    def __init__(self, path):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options,
                                                    providers=["CPUExecutionProvider"])
        first = self.session.get_inputs()[0]
        if first.type not in _ONNX_DTYPES:
            raise ValueError(f"serve: the model's input {first.name!r} has type {first.type}, "
                             f"supported are {sorted(_ONNX_DTYPES)}")
        self.input_name = first.name
        self.dtype = np.dtype(_ONNX_DTYPES[first.type])
        self.example_shape = tuple(d if isinstance(d, int) else None for d in first.shape[1:])

    def __call__(self, batch):
        return self.session.run(None, {self.input_name: batch})[0]


class MinidlPredictor:
    """A minidl model rebuilt by a factory and loaded from a checkpoint, in eval mode."""

    def __init__(self, path, factory, example_shape, dtype="float32"):
        import minidl as dl

        if factory is None:
            raise ValueError("serve: a minidl checkpoint needs --factory package.module:function "
                             "that builds the model (e.g. minidl.examples.train_digits:"
                             "build_model)")
        module_name, _, function_name = factory.partition(":")
        build = getattr(importlib.import_module(module_name), function_name)
        checkpoint = dl.load(path)
        state = checkpoint.get("model", checkpoint) if isinstance(checkpoint, dict) else None
        if not isinstance(state, dict):
            raise ValueError(f"serve: {path} holds no state_dict")
        self.model = build()
        self.model.load_state_dict(state)
        self.model.eval()
        self.mean, self.std = checkpoint.get("mean"), checkpoint.get("std")
        self.dtype = np.dtype(dtype)
        self.example_shape = tuple(example_shape)
        self.dl = dl

    def __call__(self, batch):
        if self.mean is not None and self.std is not None:
            batch = ((batch - self.mean) / self.std).astype(self.dtype)
        with self.dl.no_grad():
            return self.model(self.dl.tensor(batch)).numpy()


def load_predictor(path, factory=None, example_shape=None, dtype="float32"):
    if str(path).endswith(".onnx"):
        return OnnxPredictor(path)
    if example_shape is None:
        raise ValueError("serve: a minidl checkpoint needs --input-shape (one example's shape, "
                         "e.g. 64)")
    return MinidlPredictor(path, factory, example_shape, dtype)
