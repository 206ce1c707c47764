#!/usr/bin/env bash
# Prepares .gpu/ (git-ignored) for the device machine: the check bundled with esbuild, a
# compressed Node binary and onnxruntime-node (only linux-x64), and the Vulkan loader debs (.gl/).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu .gl
npx esbuild bench/gpu/gpu-check.ts --bundle --platform=node --format=esm --target=node20 --external:onnxruntime-node \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" --outfile=.gpu/gpu-check.mjs
cp bench/gpu/gpu-check.py bench/gpu/run.sh .gpu/
[ -f .gpu/node.xz ] || xz -9 -T2 -c "$(readlink -f "$(command -v node)")" > .gpu/node.xz
[ -f .gpu/ort.tar.xz ] || tar -C node_modules -cf - onnxruntime-node/package.json onnxruntime-node/dist onnxruntime-node/lib \
  onnxruntime-node/bin/napi-v6/linux/x64 onnxruntime-common adm-zip global-agent | xz -6 -T2 > .gpu/ort.tar.xz
ls .gl/*.deb >/dev/null 2>&1 || { o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'; mkdir -p /tmp/amd64/partial; apt-get $o update; (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2); }
du -sh .gpu .gl
