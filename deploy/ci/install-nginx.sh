#!/usr/bin/env bash
# Put an nginx binary on a CI machine for test/deploy/gateway.test.ts, without installing the Debian
# service (no postinst, nothing started, nothing bound to port 80): download the package and unpack
# only its binary. Debian bookworm's nginx is 1.22; the test strips the `resolve` upstream parameter
# (nginx ≥ 1.27.3, used by the Compose image nginx:1.28-alpine), so 1.22 checks everything else.
#   deploy/ci/install-nginx.sh [DEST_DIR]   (default /usr/local/bin; prints the installed path)
set -euo pipefail
dest="${1:-/usr/local/bin}"
if command -v nginx >/dev/null 2>&1; then
  command -v nginx
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get download nginx >/dev/null; })
dpkg -x "$work"/nginx_*.deb "$work/root"
mkdir -p "$dest"
install -m 0755 "$work/root/usr/sbin/nginx" "$dest/nginx"
"$dest/nginx" -v >&2
echo "$dest/nginx"
