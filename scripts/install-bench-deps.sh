#!/bin/sh
# The Debian packages the benchmark needs beyond the test ones (bench/, `./dev bench`):
# isync (mbsync, the plain-copy reference) and time (GNU /usr/bin/time -v for peak RSS).
# Idempotent: apt runs only when something is missing; as root, or through sudo.
set -eu

sh "$(dirname "$0")/install-test-deps.sh"

PACKAGES="isync time"
missing=""
for package in $PACKAGES; do
    case "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)" in
        *"install ok installed"*) ;;
        *) missing="$missing $package" ;;
    esac
done
if [ -z "$missing" ]; then
    echo "install-bench-deps: all present ($PACKAGES)"
    exit 0
fi
as_root=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-bench-deps: missing:$missing — run as root" >&2; exit 1; }
    as_root="sudo"
fi
echo "install-bench-deps: installing$missing"
$as_root apt-get update -q
# shellcheck disable=SC2086  # word splitting of the package list is intended
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
