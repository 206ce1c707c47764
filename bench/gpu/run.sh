#!/usr/bin/env bash
# Runs on the device machine from the repository root, with .gpu and .gl carried.
set -uo pipefail
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
mkdir -p /tmp/sl && xz -dc .gpu/node.xz > /tmp/sl/node && chmod +x /tmp/sl/node
mkdir -p .gpu/node_modules && tar -C .gpu/node_modules -xJf .gpu/ort.tar.xz
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/nvidia-smi.txt"
/tmp/sl/node .gpu/gpu-check.mjs 2>&1 | grep -v 'artificially reduced' | tee "$OUT/gpu-check.log"
python3 .gpu/gpu-check.py "$OUT/python-check.json" 2>&1 | grep -v Warning | tail -40 | tee "$OUT/python-check.log"
