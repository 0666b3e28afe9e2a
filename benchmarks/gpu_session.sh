#!/usr/bin/env bash
# The whole GPU check as one prepared run, for a machine with an NVIDIA GPU, CuPy, Numba and
# PyTorch already installed (device time is short: one call should do everything).
#
#     bash benchmarks/gpu_session.sh [OUT_DIR]       (default: $OUT, else outputs/gpu)
#
# It installs minidl without touching the machine's packages, then runs, each step logged to
# OUT_DIR and timed out on its own so that one hang cannot eat the rest: the GPU engine tests,
# the CUDA kernel parity tests, the whole suite with CUDA available, and the benchmarks against
# PyTorch CUDA (with the copy-bandwidth and matmul ceilings). Paste the summaries it prints.
set -uo pipefail
out=${1:-${OUT:-outputs/gpu}}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | tail -2
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
python3 -c "import cupy, numba, torch; print('cupy', cupy.__version__, 'numba', numba.__version__, 'torch', torch.__version__)" | tee -a "$out/gpu.txt"

step() {  # step NAME SECONDS COMMAND...: run, log to OUT_DIR/NAME.log, print its last lines
    local name=$1 seconds=$2
    shift 2
    echo "=== $name: $*"
    timeout "$seconds" "$@" > "$out/$name.log" 2>&1
    echo "=== $name: exit $? ($(tail -1 "$out/$name.log"))"
    tail -15 "$out/$name.log"
}

step cuda_engine 120 python3 -m pytest tests/cuda -q -x -p no:cacheprovider
step cuda_parity 240 python3 -m pytest tests/kernels/test_cuda_parity.py -q -p no:cacheprovider
step benchmarks 300 python3 benchmarks/run_all.py --device cuda --out "$out"
step full_suite 480 python3 -m pytest -q -p no:cacheprovider -m "not slow"
