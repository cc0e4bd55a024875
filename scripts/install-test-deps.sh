#!/bin/sh
# Install the Debian packages the integration tests need (a real Dovecot IMAP server and the
# openssl CLI for its self-signed certificate; LibreOffice to read and make .doc/.wps/.rtf/.pdf,
# unar to unpack .rar, a Chinese font so LibreOffice's PDFs keep their text and the sample pages have
# real text, libGL for OpenCV under the OCR engine, PostgreSQL for the tests that run the register on
# a temporary cluster). Idempotent: apt runs only when something is missing. Meant for CI (root) on
# Debian 12; as a normal user it uses sudo when available.
set -eu

PACKAGES="dovecot-imapd openssl chromium libreoffice-writer-nogui unar fonts-wqy-microhei libgl1 libglib2.0-0 postgresql"

missing=""
for package in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $package" ;;
    esac
done

if [ -z "$missing" ]; then
    echo "install-test-deps: all present ($PACKAGES)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "install-test-deps: missing:$missing — run this script as root (or install sudo)" >&2
    exit 1
fi

echo "install-test-deps: installing$missing"
$as_root apt-get update -q
# shellcheck disable=SC2086  # word splitting of the package list is intended
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
