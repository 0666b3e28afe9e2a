"""Track step 3: a tiny neural network made of your Values, trained by your backward.

With steps 1 and 2 you can differentiate any formula of Values. A neuron is such a formula:
``tanh(w1 x1 + ... + wn xn + b)``; a layer is a list of neurons; a network a list of layers.

- ``Neuron(n_inputs, rng)``: weights drawn uniformly from [-1, 1] with ``rng.uniform``, bias 0;
  calling it on a list of numbers or Values returns one Value; ``parameters()`` lists its Values.
- ``MLP(n_inputs, sizes, rng)``: layers of neurons, e.g. ``MLP(3, [4, 4, 1], rng)``; calling it
  returns a list of Values (one per neuron of the last layer); ``parameters()`` lists all.
- ``train_step(model, xs, ys, lr)``: one step of gradient descent on the squared error
  ``sum((model(x)[0] - y)^2)`` over the examples. Before backward, the parameters' grads
  must be reset: what would happen to them over several steps otherwise? Return the loss
  (a float).

Check with:  python -m minidl.exercises check track03_scalar_mlp
"""
from track01_value import Value
from track02_backward import backward


class Neuron:
    def __init__(self, n_inputs, rng):
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(n_inputs)]
        self.b = Value(0.0)

    def __call__(self, x):
        # BEGIN SOLUTION Neuron.__call__: tanh of the weighted sum plus bias
        total = self.b
        for wi, xi in zip(self.w, x):
            total = total + wi * xi
        return total.tanh()
        # END SOLUTION

    def parameters(self):
        return self.w + [self.b]


class MLP:
    def __init__(self, n_inputs, sizes, rng):
        widths = [n_inputs] + list(sizes)
        self.layers = [[Neuron(widths[i], rng) for _ in range(widths[i + 1])]
                       for i in range(len(sizes))]

    def __call__(self, x):
        # BEGIN SOLUTION MLP.__call__: each layer's neurons on the previous layer's outputs
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x
        # END SOLUTION

    def parameters(self):
        return [p for layer in self.layers for neuron in layer for p in neuron.parameters()]


def train_step(model, xs, ys, lr):
    """One gradient-descent step on the summed squared error; returns the loss as a float."""
    # BEGIN SOLUTION train_step: loss, reset grads, backward, update
    loss = Value(0.0)
    for x, y in zip(xs, ys):
        loss = loss + (model(x)[0] - y) ** 2
    for p in model.parameters():
        p.grad = 0.0
    backward(loss)
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data
    # END SOLUTION
