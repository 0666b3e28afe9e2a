"""Knowledge distillation on the digits: a small student learns from a larger teacher.

Hinton, Vinyals and Dean (2015): a trained network's output distribution says more than the
label alone ("this 7 looks a bit like a 1"). Soften it with a temperature T,
p_T = softmax(logits / T), and train the student to match the teacher's p_T as well as the
labels::

    loss = alpha * T^2 * KL(p_T(teacher) || p_T(student)) + (1 - alpha) * cross_entropy(student, y)

(T^2 keeps the soft term's gradients on the scale of the hard term's as T grows.)

Teacher: MLP 64-256-128-10. Student: MLP 64-H-10 with a small H. The same student, from the
same initial weights and on the same batches, is also trained on the labels alone; both are
evaluated on the held-out test split of train_digits.py, for several seeds.

Run:  python -m minidl.examples.distill_digits        (MINIDL_QUICK=1 for a short run)
"""
import copy
import os

import numpy as np

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.data import DataLoader, TensorDataset
from minidl.examples.train_digits import SPLIT_SEED, standardize, stratified_split


def mlp(*sizes):
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def distillation_loss(student_logits, teacher_logits, targets, temperature, alpha):
    """alpha T^2 KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) CE(student, y),
    the KL averaged over the batch."""
    teacher_log_p = F.log_softmax(teacher_logits / temperature, dim=-1)
    student_log_p = F.log_softmax(student_logits / temperature, dim=-1)
    kl = (teacher_log_p.exp() * (teacher_log_p - student_log_p)).sum(dim=-1).mean()
    hard = F.cross_entropy(student_logits, targets)
    return alpha * temperature**2 * kl + (1 - alpha) * hard


def train(model, loader, epochs, teacher=None, temperature=4.0, alpha=0.5, lr=3e-3):
    optimizer = optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        model.train()
        for inputs, targets in loader:
            logits = model(inputs)
            if teacher is None:
                loss = F.cross_entropy(logits, targets)
            else:
                with dl.no_grad():
                    teacher_logits = teacher(inputs)
                loss = distillation_loss(logits, teacher_logits, targets, temperature, alpha)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    return model


def accuracy(model, X, y):
    with dl.no_grad():
        return float((model(X).argmax(dim=1).numpy() == y).mean())


def run(quick=None, seeds=(0, 1, 2), student_hidden=16, temperature=4.0, alpha=0.5,
        verbose=True):
    """Returns {"teacher": [...], "student_alone": [...], "student_distilled": [...]} (test
    accuracies, one per seed)."""
    quick = os.environ.get("MINIDL_QUICK") == "1" if quick is None else quick
    teacher_epochs, student_epochs = (5, 5) if quick else (30, 30)
    X, y = dl.datasets.load_digits()
    train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=SPLIT_SEED)
    X_train, X_test, _, _ = standardize(X[train_idx], X[test_idx])
    X_test, y_test = dl.tensor(X_test), y[test_idx]
    train_set = TensorDataset(dl.tensor(X_train), dl.tensor(y[train_idx]))
    result = {"teacher": [], "student_alone": [], "student_distilled": []}
    for seed in seeds:
        dl.manual_seed(seed)
        teacher = train(mlp(64, 256, 128, 10),
                        DataLoader(train_set, batch_size=64, shuffle=True, seed=seed),
                        teacher_epochs, lr=1e-3)
        dl.manual_seed(seed + 100)
        student = mlp(64, student_hidden, 10)
        alone = train(copy.deepcopy(student),
                      DataLoader(train_set, batch_size=64, shuffle=True, seed=seed + 1),
                      student_epochs)
        distilled = train(copy.deepcopy(student),
                          DataLoader(train_set, batch_size=64, shuffle=True, seed=seed + 1),
                          student_epochs, teacher=teacher, temperature=temperature, alpha=alpha)
        for key, model in (("teacher", teacher), ("student_alone", alone),
                           ("student_distilled", distilled)):
            result[key].append(accuracy(model, X_test, y_test))
        if verbose:
            print(f"seed {seed}: teacher {result['teacher'][-1]:.2%}, student "
                  f"(64-{student_hidden}-10) alone {result['student_alone'][-1]:.2%}, "
                  f"distilled (T={temperature}, alpha={alpha}) "
                  f"{result['student_distilled'][-1]:.2%}")
    if verbose:
        print("mean over seeds: " + ", ".join(f"{k} {np.mean(v):.2%}" for k, v in result.items()))
    return result


if __name__ == "__main__":
    run()
