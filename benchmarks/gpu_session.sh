#!/usr/bin/env bash
# The whole GPU check as one prepared run, for a machine with an NVIDIA GPU, CuPy, Numba and
# PyTorch already installed (device time is short: one call should do everything).
#
#     bash benchmarks/gpu_session.sh [OUT_DIR]       (default: $OUT, else outputs/gpu)
#
# It installs minidl without touching the machine's packages, then runs, each step timed out on
# its own so that one hang cannot eat the rest, the most telling first: the CUDA tests (engine,
# modules, kernel parity, NVRTC compile), the NCCL collectives and DDP on one rank, the benchmarks
# against PyTorch CUDA (with the copy-bandwidth and matmul ceilings), and the rest of the suite
# with CUDA available. Everything goes to OUT_DIR/session.log; each step also prints its tail.
# Tests run on several processes when pytest-xdist is there (the CPU tests are the slow part).
set -uo pipefail
out=${1:-${OUT:-outputs/gpu}}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
log="$out/session.log"
python3 -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | tail -2
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$log"
python3 -c "import cupy, numba, torch; print('cupy', cupy.__version__, 'numba', numba.__version__, 'torch', torch.__version__)" | tee -a "$log"
workers=()
python3 -c "import xdist" 2>/dev/null && workers=(-n "${GPU_SESSION_WORKERS:-8}")

step() {  # step NAME SECONDS COMMAND...: run, append to the log, print the step's last lines
    local name=$1 seconds=$2 started=$SECONDS
    shift 2
    echo "=== $name: $*" | tee -a "$log"
    timeout "$seconds" "$@" > "$out/step.log" 2>&1
    local status=$?
    cat "$out/step.log" >> "$log"
    echo "=== $name: exit $status after $((SECONDS - started)) s" | tee -a "$log"
    tail -${TAIL_LINES:-25} "$out/step.log"
    rm -f "$out/step.log"
}

pytest_args=(-q -p no:cacheprovider -rfE --tb=short "${workers[@]}")
step cuda_tests 150 python3 -m pytest "${pytest_args[@]}" -m cuda tests
step nccl_one_rank 60 python3 tests/distributed/workers/collectives.py nccl
step ddp_one_rank 60 python3 tests/distributed/workers/ddp.py nccl
for group in W1,W2,W3,W5,W8 W4,W6,W7,startup; do
    step "benchmarks_$group" 150 python3 benchmarks/run_all.py --device cuda --only "$group" \
        --out "/tmp/bench_$group"
    cp "/tmp/bench_$group/results.json" "$out/bench_${group//,/_}.json" 2>/dev/null
done
step rest_of_suite 240 python3 -m pytest "${pytest_args[@]}" -m "not slow and not cuda" tests
