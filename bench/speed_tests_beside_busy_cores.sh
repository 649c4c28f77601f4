#!/usr/bin/env bash
# Every test whose verdict depends on speed, RUNS times (default 20) beside two busy cores: the
# strong tier (this machine's) and DLGRADE_ISOLATION=basic for the timing red team. Prints one line
# per run, the failing tests' names and first error lines when a run fails, and "N/RUNS runs
# without a failure" at the end. Usage, from the repository root:
#     bash bench/speed_tests_beside_busy_cores.sh [RUNS]
set -u
RUNS=${1:-20}
PY=${PYTHON:-python}
LOGS=$(mktemp -d)
TESTS="tests/grading/test_performance.py tests/redteam/test_redteam_timing.py
 tests/assignments/test_pooling_grading.py::test_vectorised_max_pool_passes_the_speed_test_with_figures
 tests/assignments/test_pooling_grading.py::test_a_python_loop_over_every_window_fails_the_speed_test
 tests/assignments/test_conv_grading.py::test_vectorised_forward_passes_the_speed_test_with_figures
 tests/assignments/test_conv_grading.py::test_a_python_loop_over_output_pixels_fails_the_speed_test
 tests/assignments/test_activations_grading.py::test_python_loop_over_the_elements_fails
 tests/assignments/test_layernorm_grading.py::test_python_loop_over_the_rows_fails
 tests/course/test_release.py::test_a_python_loop_is_too_slow_in_a_bundle_too
 tests/course/test_release.py::test_remembering_answers_fails_a_bundles_speed_test_too
 tests/redteam/test_redteam_outputs.py::test_remembering_answers_does_not_buy_speed
 tests/render/test_json_output.py::test_correct_solution
 tests/render/test_lms.py::test_leaderboard_and_hidden_visibility_follow_the_spec"
busy=()
for _ in 1 2; do
  busy+=("$($PY -c 'import subprocess, sys; print(subprocess.Popen([sys.executable, "-c", "while True: pass"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True).pid)')")
done
trap 'kill "${busy[@]}" 2>/dev/null; rm -rf "$LOGS"' EXIT
echo "commit $(git rev-parse --short HEAD); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
clean=0
for i in $(seq "$RUNS"); do
  start=$(date +%s)
  # shellcheck disable=SC2086
  $PY -m pytest -q -p no:cacheprovider $TESTS > "$LOGS/strong" 2>&1
  DLGRADE_ISOLATION=basic $PY -m pytest -q -p no:cacheprovider tests/redteam/test_redteam_timing.py \
    tests/grading/test_performance.py > "$LOGS/basic" 2>&1
  strong=$(tail -1 "$LOGS/strong"); basic=$(tail -1 "$LOGS/basic")
  echo "run $i: $strong; basic tier: $basic ($(( $(date +%s) - start )) s)"
  case "$strong$basic" in
    *failed*|*error*) grep -h "^FAILED\|^ERROR\|^E  " "$LOGS/strong" "$LOGS/basic" | cut -c1-300 | head -8;;
    *) clean=$((clean + 1));;
  esac
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$clean/$RUNS runs without a failure"
