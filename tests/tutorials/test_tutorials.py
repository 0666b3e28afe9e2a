"""Every tutorial runs start to finish in quick mode and reaches its key outcome.

Each tutorial runs as a plain script in a fresh process with ``MINIDL_QUICK=1`` (tiny epochs)
and ``MINIDL_OUT`` pointing at a temporary folder; it ends by printing one line
``RESULT {json}`` with its key numbers, which the checks below read, and it must have written
its figures into the folder (never into the package).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[2] / "tutorials"

# tutorial -> (figures it must write, check of its RESULT dict)
EXPECTED = {
    "01_tensors_and_autograd.py": (
        ["01_finite_difference_error.png", "01_scalar_graph.png", "01_computation_graph.png"],
        lambda r: r["hand_vs_engine_error"] < 1e-10 and r["gradcheck_passes"]
        and r["gradcheck_catches_bug"] and r["graph_nodes"] == 10
        and r["scalar_graph_gradients"] == {"a": 6, "b": -4, "c": -2, "f": 4, "e": -2, "d": -2},
    ),
    "02_mlp_forward_backward.py": (
        ["02_activations.png", "02_losses.png", "02_training_curves.png",
         "02_confusion_matrix.png"],
        lambda r: r["test_accuracy"] > 0.75 and r["activation_backward_error"] < 1e-10
        and 0 <= r["macro_f1"] <= 1,
    ),
    "03_optimizers.py": (
        ["03_trajectories.png", "03_bias_correction.png", "03_race.png"],
        lambda r: r["adam_matches_formula"] and r["momentum_beats_plain_gd"]
        and r["momentum_step_matches_sgd"] and r["best_race_accuracy"] > 0.8
        # the uncorrected Adam step: 3.16 lr at t = 1, peaking near 6.6 lr at t = 12
        and abs(r["uncorrected_first_step"] - 0.316) < 0.001
        and abs(r["uncorrected_ratio_peak"][0] - 6.57) < 0.01 and r["uncorrected_ratio_peak"][1] == 12,
    ),
    "04_regularisation.py": (
        ["04_weight_decay.png", "04_dropout.png", "04_curves.png", "04_augmentation.png"],
        lambda r: r["best_val_accuracy"] > 0.8 and r["early_stopping_epoch"] >= 1
        and r["dropout_mean_ratio"] > 0.9,
    ),
    "05_attention.py": (
        ["05_attention_maps.png", "05_sort_curves.png", "05_sort_attention.png"],
        lambda r: r["sdpa_max_error"] < 1e-5 and r["mha_max_error"] < 1e-5
        and r["sort_token_accuracy"] > 0.5,
    ),
    "06_pretraining_finetuning.py": (
        ["06_pretraining_loss.png", "06_finetuning.png"],
        lambda r: r["pretrain_loss_drop"] > 0 and set(r["finetune_accuracy"])
        == {"scratch", "frozen", "unfrozen"},
    ),
    "07_inside_the_accelerated_core.py": (
        ["07_kernel_times.png", "07_roofline.png"],
        lambda r: r["softmax_max_error"] < 1e-5 and r["attention_max_error"] < 1e-4
        and r["copy_bandwidth_gb_s"] > 0 and r["online_softmax_error"] < 1e-12,
    ),
    "08_checkpoints_and_deployment.py": (
        ["08_resume.png"],
        lambda r: r["fresh_process_matches"] and r["resume_matches_uninterrupted"]
        and r["corrupt_file_rejected"] and r["without_optimizer_state_differs"],
    ),
    "11_gpt.py": (
        ["11_causal_mask.png", "11_loss.png", "11_sampling.png", "11_kv_cache.png"],
        lambda r: r["characters"] == 9931 and 50 <= r["vocabulary"] <= 70
        and r["causal_attention_error"] < 1e-12 and r["kv_cache_exercise_error"] < 1e-12
        and r["top_k_5_support"] == 5 and 1 <= r["top_p_support"] <= r["vocabulary"]
        and r["final_train_loss"] < r["initial_loss_guess"] and r["kv_cache_same_text"]
        and r["kv_cache_speedup"] > 0,
    ),
    "12_from_checkpoint_to_service.py": (  # needs the deploy extra (onnx, onnxruntime)
        ["12_quantization_error.png", "12_pruning.png"],
        lambda r: r["onnx_max_error"] < 1e-5 and r["served_matches"]
        and r["int8_accuracy_drop"] < 0.05 and r["accuracy_80_percent_pruned_tuned"] > 0.7,
    ),
    "09_convolutions.py": (
        ["09_feature_maps.png", "09_receptive_field.png", "09_im2col.png", "09_batch_norm.png",
         "09_learned_filters.png"],
        lambda r: r["conv_max_error"] < 1e-12 and r["im2col_max_error"] < 1e-12
        and r["conv_gradcheck"] and r["batch_norm_eval_batch_independent"]
        and r["test_accuracy"] > 0.8,
    ),
    "10_distributed.py": (
        ["10_ring_allreduce.png", "10_allreduce_cost.png", "10_lr_scaling.png"],
        lambda r: r["shard_average_error"] < 1e-12 and r["accumulation_error"] < 1e-12
        and r["ring_steps"] == 6
        and r["final_accuracy"]["batch 128, lr 0.16, warm-up"]
        > r["final_accuracy"]["batch 128, lr 0.02"]
        and r["mpi_run_ok"] in (True, None),  # None: mpiexec is not installed
    ),
}


def run_tutorial(name, out_dir):
    env = dict(os.environ, MINIDL_QUICK="1", MINIDL_OUT=str(out_dir), MPLBACKEND="Agg")
    # On a small machine shared with other jobs, OpenBLAS's and Numba's thread pools fight over
    # the cores and make the tutorials' small matrices 10-100x slower: one thread each is fastest.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("NUMBA_NUM_THREADS", "1")
    completed = subprocess.run([sys.executable, str(TUTORIALS / name)], env=env,
                               capture_output=True, text=True, timeout=300, cwd=out_dir)
    assert completed.returncode == 0, (
        f"{name} failed (exit {completed.returncode}):\n{completed.stdout[-3000:]}\n"
        f"{completed.stderr[-3000:]}")
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"{name} printed no RESULT line:\n{completed.stdout[-2000:]}"
    return json.loads(lines[-1][len("RESULT "):])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tutorial_runs_in_quick_mode(name, tmp_path):
    if not (TUTORIALS / name).exists():
        pytest.fail(f"tutorials/{name} is missing")
    figures, outcome_ok = EXPECTED[name]
    if name.startswith("09_"):
        pytest.importorskip("onnxruntime")
        pytest.importorskip("safetensors")
    result = run_tutorial(name, tmp_path)
    assert outcome_ok(result), f"{name}: key outcome not reached: {result}"
    for figure in figures:
        path = tmp_path / figure
        assert path.is_file() and path.stat().st_size > 1000, f"{name} did not write {figure}"


def test_every_tutorial_is_tested():
    scripts = {p.name for p in TUTORIALS.glob("[0-9][0-9]_*.py")}
    assert scripts == set(EXPECTED), scripts ^ set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tutorial_is_a_percent_notebook(name):
    path = TUTORIALS / name
    if not path.exists():
        pytest.fail(f"tutorials/{name} is missing")
    text = path.read_text()
    assert "# %% [markdown]" in text and "\n# %%\n" in text
    # tutorial_setup.py reads MINIDL_QUICK and MINIDL_OUT; the runs below check both take effect
    assert "from tutorial_setup import" in text
    assert "import torch" not in text, "tutorials must not need PyTorch"
