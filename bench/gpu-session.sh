#!/usr/bin/env bash
# One prepared run for a session that is lent a GPU (see ../shared/gpu/README.md): the
# autotuner's table, the benchmark with PyTorch beside it, and the GPU tests, each with a
# time limit, their outputs under $OUT (at most 8 files come back). From the project root:
#   bash .gpu/run.sh bash bench/gpu-session.sh          (OUT defaults to ./gpu-session)
# About 5 minutes on the H200 of 2026-11-30; the limits below keep it under 9.
set -u
out=${OUT:-gpu-session}
mkdir -p "$out"
export WGTRAIN_TUNE_CACHE=$out/matmul-tune.json
step() { # step NAME SECONDS COMMAND…: output to $out/NAME.txt, exit status appended
  local name=$1 limit=$2; shift 2
  echo "== $name ($(date -u +%T))"
  timeout "$limit" "$@" >"$out/$name.txt" 2>&1
  echo "exit $?" >>"$out/$name.txt"
  tail -n 3 "$out/$name.txt"
}
step tune 120 node bin/wgtrain.js devices --tune --adapter vulkan --preset nielsen lecun cnn
step bench 240 node --import tsx bench/run.ts --adapter vulkan --quick --only kernels,training,breakdown,peers --out "$out/bench.json"
step tests 100 env WGTRAIN_TEST_ADAPTER=vulkan node node_modules/vitest/vitest.mjs run \
  test/gpu/ops/matmul-splitk.test.ts test/gpu/ops/matmul-subgroup.test.ts test/gpu/ops/output-layer.test.ts \
  test/gpu/autotune.test.ts test/train/parity.test.ts test/train/output-layer-parity.test.ts
step train 45 node bin/wgtrain.js train --adapter vulkan --data "${WGTRAIN_MNIST_DIR:-../shared/data/mnist}" --epochs 3 --no-out --json
ls -l "$out"
