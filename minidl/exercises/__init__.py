"""Exercises that go with the tutorials: implement a piece of minidl, then check it.

    python -m minidl.exercises list
    python -m minidl.exercises start activation_backward   # writes ./minidl_exercises/...
    python -m minidl.exercises check activation_backward   # runs its tests on your file

The track (``python -m minidl.exercises list``, steps ``track01_value`` to
``track12_train_digits``, also named by number: ``check 5``) builds a framework of the learner's
own, each step importing the learner's earlier ones; ``start N --from-solution`` fills in the
reference solution of every earlier step that is missing, to continue when stuck.

Each exercise is one reference solution (``solutions/NAME.py``, with ``# BEGIN SOLUTION`` /
``# END SOLUTION`` regions from which the blank stub is generated) and one list of tests
(``checks/NAME.py``). An exercise's tests use only minidl and earlier exercises' topics, never
a later exercise.
"""
from .framework import Exercise, ExerciseFailure, run_check, stub_source, write_stub

DEFAULT_FOLDER = "minidl_exercises"

T1 = "01_tensors_and_autograd.py"
T2 = "02_mlp_forward_backward.py"
T3 = "03_optimizers.py"
T4 = "04_regularisation.py"
T5 = "05_attention.py"
T6 = "06_pretraining_finetuning.py"
T7 = "07_inside_the_accelerated_core.py"
T8 = "08_checkpoints_and_deployment.py"
T9 = "09_convolutions.py"
T10 = "10_distributed.py"
T11 = "11_gpt.py"
T12 = "12_from_checkpoint_to_service.py"

_CATALOG = [
    Exercise("div_function", T1, "Writing your own op",
             "Div, an op with forward and the backward you derive"),
    Exercise("reduce_broadcast_grad", T1, "Broadcasting and its gradient",
             "reduce_broadcast_grad(grad, shape): sum a gradient back to a broadcast input's shape"),
    Exercise("topological_order", T1, "The engine: topological order",
             "topological_order(root): the graph's tensors, each before the ones it was built from"),
    Exercise("numerical_gradient", T1, "Gradcheck: trust, but verify",
             "numerical_gradient(f, x, eps): central differences, one element at a time"),
    Exercise("activation_backward", T2, "Activations and their derivatives",
             "relu_backward, sigmoid_backward and tanh_backward"),
    Exercise("linear_backward", T2, "A linear layer by hand",
             "linear_backward(x, weight, grad_out): the gradients of x @ W.T + b"),
    Exercise("cross_entropy", T2, "MSE vs cross-entropy",
             "a numerically stable cross-entropy from logits, and its gradient"),
    Exercise("precision_recall_f1", T2, "Evaluation: beyond accuracy",
             "per-class precision, recall and F1 from a confusion matrix"),
    Exercise("momentum_step", T3, "Momentum and Nesterov",
             "one SGD step with momentum (and Nesterov), PyTorch's formulas"),
    Exercise("adam_step", T3, "Adam, derived step by step",
             "one Adam step with bias correction"),
    Exercise("cosine_lr", T3, "Learning-rate schedules",
             "the cosine-annealing learning rate at a given epoch"),
    Exercise("inverted_dropout", T4, "Dropout",
             "inverted dropout: forward with a keep mask, and its backward"),
    Exercise("early_stopping", T4, "Early stopping",
             "a minimal early-stopping rule with patience"),
    Exercise("shift_images", T4, "Data augmentation: shifted digits",
             "shift a batch of images by whole pixels, filling with zeros"),
    Exercise("masked_softmax", T5, "Masks",
             "a softmax that ignores masked positions (all-masked rows give zeros)"),
    Exercise("attention_backward", T5, "The backward pass of attention",
             "the gradients of softmax(Q K^T * scale) V with respect to Q, K and V"),
    Exercise("layer_norm_backward", T5, "Layer norm",
             "the backward pass of layer normalisation"),
    Exercise("mask_tokens", T6, "Masked-language-model pretraining",
             "BERT's masking: choose 15% of tokens, replace 80/10/10, label only those"),
    Exercise("module_parameters", T6, "Freezing the encoder",
             "walk a Module tree for its named parameters, and freeze a sub-module"),
    Exercise("online_softmax", T7, "Online softmax: one pass",
             "softmax over a row seen in blocks, with a running max and a rescaled sum"),
    Exercise("numba_softmax", T7, "The Numba twin",
             "a row-softmax kernel with Numba, two passes per row"),
    Exercise("roofline", T7, "Roofline",
             "arithmetic intensity and the roofline's attainable FLOP/s"),
    Exercise("atomic_save", T8, "Atomic writes",
             "write a file atomically: temporary file, fsync, rename"),
    Exercise("check_state_dict", T8, "Loading: strict key and shape checks",
             "compare a state dict with a model's: missing, unexpected and mis-shaped keys"),
    Exercise("im2col", T9, "im2col: a convolution as one matrix product",
             "im2col(x, kh, kw, stride, padding): every patch as a column"),
    Exercise("conv2d_backward", T9, "The backward pass of a convolution",
             "the gradients of a convolution with respect to its input and its weight"),
    Exercise("max_pool_backward", T9, "Pooling",
             "the backward pass of 2x2 max pooling: the gradient goes to the maximum"),
    Exercise("batch_norm_backward", T9, "Batch norm: training vs evaluation",
             "the backward pass of batch norm in training mode"),
    Exercise("ring_allreduce", T10, "The all-reduce, drawn step by step",
             "ring all-reduce over simulated ranks: reduce-scatter, then all-gather"),
    Exercise("causal_mask", T11, "The causal mask",
             "the causal mask, and attention that cannot look ahead"),
    Exercise("top_k_sampling", T11, "Sampling: temperature, top-k, top-p",
             "top-k filtering and sampling with a temperature"),
    Exercise("kv_cache", T11, "The key-value cache",
             "a key-value cache: one new position's attention over the cached ones"),
    Exercise("symmetric_int8", T12, "Symmetric int8 weights",
             "quantize a matrix to int8 with one scale per row, and back"),
    Exercise("quantized_matmul", T12, "The int8 matrix product",
             "the int32-accumulated product of uint8 activations and int8 weights"),
    Exercise("pruning_mask", T12, "Magnitude pruning",
             "the 0/1 mask that prunes the smallest weights, again and again"),
]

# The cumulative track (tutorials/track/README.md): the learner builds a small framework of
# their own, one file per step in one folder, each step importing the learner's earlier steps.
TRACK_GUIDE = "track/README.md"
TRACK = [
    Exercise("track01_value", TRACK_GUIDE, "Step 1: a scalar Value",
             "a scalar Value with +, *, **, exp, tanh, relu and each op's local backward"),
    Exercise("track02_backward", TRACK_GUIDE, "Step 2: backward in topological order",
             "topological_order (iterative) and backward(root) over the whole graph"),
    Exercise("track03_scalar_mlp", TRACK_GUIDE, "Step 3: a neural network of Values",
             "Neuron, MLP and a gradient-descent train_step, all made of your Values"),
    Exercise("track04_tensor", TRACK_GUIDE, "Step 4: a Tensor, and broadcasting's gradient",
             "a Tensor of NumPy arrays; unbroadcast(grad, shape); + and * with broadcasting"),
    Exercise("track05_matmul", TRACK_GUIDE, "Step 5: matmul and sum",
             "matmul and tensor_sum with their backward"),
    Exercise("track06_gradcheck", TRACK_GUIDE, "Step 6: your own gradcheck",
             "numerical_gradient and gradcheck for your Tensors"),
    Exercise("track07_functional", TRACK_GUIDE, "Step 7: ReLU, softmax, cross-entropy",
             "relu, a stable log_softmax, cross_entropy with its own backward"),
    Exercise("track08_module", TRACK_GUIDE, "Step 8: Module, Linear, Sequential",
             "Module.parameters, Linear (PyTorch's init), ReLU, Sequential"),
    Exercise("track09_sgd", TRACK_GUIDE, "Step 9: SGD with momentum",
             "an SGD optimizer with PyTorch's momentum"),
    Exercise("track10_adam", TRACK_GUIDE, "Step 10: Adam",
             "an Adam optimizer with the bias correction you derive"),
    Exercise("track11_dataloader", TRACK_GUIDE, "Step 11: a DataLoader",
             "mini-batches, shuffled afresh every epoch, reproducible by seed"),
    Exercise("track12_train_digits", TRACK_GUIDE, "Step 12: train the digits MLP",
             "your framework, end to end: the digits MLP to 95% test accuracy"),
]
_CATALOG += TRACK

EXERCISES = {exercise.name: exercise for exercise in _CATALOG}


def get_exercise(name):
    """The Exercise called ``name``, or track step ``name`` given as a number ("5");
    KeyError with the known names otherwise."""
    if name.isdigit() and 1 <= int(name) <= len(TRACK):
        return TRACK[int(name) - 1]
    try:
        return EXERCISES[name]
    except KeyError:
        raise KeyError(f"No exercise {name!r}. Known exercises: {', '.join(EXERCISES)} "
                       "(python -m minidl.exercises list)") from None


__all__ = ["EXERCISES", "TRACK", "Exercise", "ExerciseFailure", "get_exercise", "run_check",
           "stub_source", "write_stub"]
