"""Common wrong answers, each made by editing a reference solution the way a learner would:
the check must fail, and its message must name the mistake (a phrase of the hint)."""
import pytest

from minidl.exercises import EXERCISES, TRACK, run_check

# (exercise, the correct line(s), the wrong version, a phrase the report must contain)
MISTAKES = [
    ("adam_step",
     "    m_hat = m / (1 - beta1**step)\n    v_hat = v / (1 - beta2**step)\n",
     "    m_hat = m\n    v_hat = v\n",
     "bias correction is missing"),
    ("adam_step",
     "np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)",
     "eps goes outside the square root"),
    ("adam_step",
     "(1 - beta2) * grad * grad", "(1 - beta2) * np.abs(grad)",
     "*square* of the gradient"),
    ("momentum_step",
     "update = grad + momentum * buf if nesterov else buf", "update = buf",
     "gave the same result as plain momentum"),
    ("attention_backward",
     "gs = p * (gp - (gp * p).sum(axis=-1, keepdims=True))", "gs = p * gp",
     "the mistake is in dS"),
    ("attention_backward",
     "gk = scale * (gs.transpose(0, 2, 1) @ q)", "gk = gs.transpose(0, 2, 1) @ q",
     "multiply by scale"),
    ("attention_backward",  # a wrongly shaped result is reported as the learner's mistake
     "return gq, gk, gv", "return gq, gk.transpose(0, 2, 1), gv",
     "dK with shape (2, 5, 3), the shape of the input it belongs to"),
    ("numerical_gradient",
     "grad[index] = (plus - minus) / (2 * eps)", "grad[index] = (plus - f(x)) / eps",
     "central difference"),
    ("online_softmax",
     "l = l * rescale + float(np.exp(block - m_new).sum())",
     "l = l + float(np.exp(block - m_new).sum())",
     "the old sum still holds terms"),
    ("cross_entropy",
     "return float(np.mean(lse - picked))", "return float(np.sum(lse - picked))",
     "do not sum"),
    ("cross_entropy",
     "    row_max = logits.max(axis=1, keepdims=True)\n"
     "    lse = row_max[:, 0] + np.log(np.exp(logits - row_max).sum(axis=1))\n",
     "    lse = np.log(np.exp(logits).sum(axis=1))\n",
     "subtract each row's max"),
    ("activation_backward",
     "return gy * y * (1 - y)",
     "return gy * (1 / (1 + np.exp(-y))) * (1 - 1 / (1 + np.exp(-y)))",
     "you applied sigmoid to y again"),
    ("causal_mask",
     "return np.tril(np.ones((length, length), dtype=bool))",
     "return np.triu(np.ones((length, length), dtype=bool))",
     "transposed"),
    ("top_k_sampling",
     "    logits = np.asarray(logits, dtype=np.float64) / temperature\n",
     "    logits = np.asarray(logits, dtype=np.float64) * temperature\n",
     "divide the logits by the temperature"),
    ("kv_cache",
     "        keys, values = np.stack(self.keys), np.stack(self.values)\n",
     "        keys, values = np.stack(self.keys[:-1] or self.keys), np.stack(self.values[:-1] or self.values)\n",
     "the newest position must attend to itself"),
    # the track (the learner's earlier steps are the reference solutions)
    ("track01_value",
     "            self.grad += out.grad\n            other.grad += out.grad\n",
     "            self.grad = out.grad\n            other.grad = out.grad\n",
     "add with +=, never assign with ="),
    ("track01_value",
     "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
     "            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad",
     "the two inputs are swapped"),
    ("track02_backward",
     "    order, visited = [], set()\n    stack = [(root, False)]\n",
     "    order, visited = [], set()\n\n    def visit(node):\n        if id(node) not in visited:\n"
     "            visited.add(id(node))\n            for parent in node._prev:\n"
     "                visit(parent)\n            order.append(node)\n    visit(root)\n"
     "    return order\n    stack = [(root, False)]\n",
     "keep the nodes still to visit on a list used as a stack"),
    ("track04_tensor",
     "            self.grad += unbroadcast(out.grad, self.shape)\n",
     "            self.grad += out.grad\n",
     "each a[i, 0] was used 4 times"),
    ("track06_gradcheck",
     "            grad[index] = (plus - minus) / (2 * eps)",
     "            grad[index] = (plus - float(f(inputs).data)) / eps",
     "one-sided difference"),
    ("track07_functional",
     "        logits.grad += grad / len(targets) * out.grad",
     "        logits.grad += grad * out.grad",
     "the gradient has a factor 1/4"),
    ("track09_sgd",
     "                    self.velocities[i] = self.momentum * self.velocities[i] + p.grad",
     "                    self.velocities[i] = (self.momentum * self.velocities[i]\n"
     "                                          + (1 - self.momentum) * p.grad)",
     "you averaged"),
    ("track10_adam",
     "            m_hat = m / (1 - self.beta1**self.t)\n            v_hat = v / (1 - self.beta2**self.t)\n",
     "            m_hat = m\n            v_hat = v\n",
     "the bias correction is missing"),
    ("track11_dataloader",
     "        order = self.rng.permutation(len(self.X)) if self.shuffle else np.arange(len(self.X))",
     "        rng = np.random.default_rng(0)\n"
     "        order = rng.permutation(len(self.X)) if self.shuffle else np.arange(len(self.X))",
     "a fresh default_rng(seed) per epoch"),
]


@pytest.mark.parametrize("name, right, wrong, phrase", MISTAKES,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MISTAKES)])
def test_wrong_answer_gets_a_hint_naming_the_mistake(name, right, wrong, phrase, tmp_path):
    exercise = EXERCISES[name]
    source = exercise.solution_path.read_text()
    assert right in source, f"the solution of {name} no longer contains {right!r}"
    if exercise in TRACK:  # the earlier steps, done right
        for step in TRACK[:TRACK.index(exercise)]:
            (tmp_path / f"{step.name}.py").write_text(step.solution_path.read_text())
    path = tmp_path / f"{name}.py"
    path.write_text(source.replace(right, wrong))
    results = run_check(exercise, path)
    failures = [r for r in results if not r.passed]
    assert failures, f"{name}: the wrong answer passed every test"
    report = "\n".join(r.message for r in failures)
    assert phrase in report, f"{name}: no hint naming the mistake in:\n{report}"
    assert "minidl/gradcheck.py" not in report  # never blame a line the learner did not write


def test_at_least_ten_mistakes_are_listed():
    assert len(MISTAKES) >= 10
