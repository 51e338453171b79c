#!/usr/bin/env bash
# Installs the Debian packages dingwatch needs to build, test and demo — only the
# missing ones. Idempotent and silent when everything is present. Run as root (or
# with sudo available) on Debian 12.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config make
  # the design card's core stack
  librdkafka-dev libsimdjson-dev libhyperscan-dev prometheus-cpp-dev libspdlog-dev catch2
  # configuration, command line, JSON
  libyaml-cpp-dev libcli11-dev libfmt-dev nlohmann-json3-dev libcurl4-openssl-dev
  # evidence log hash chain (OpenSSL SHA-256) and alert store (SQLite)
  libssl-dev libsqlite3-dev
  # jurisdictions: MaxMind DB lookups; the tests write a tiny .mmdb with the Perl writer
  libmaxminddb-dev libmaxmind-db-writer-perl
  # benchmarks and test tools: Kafka CLI client, real Prometheus for dashboard checks
  libbenchmark-dev kcat prometheus prometheus-alertmanager python3 python3-yaml
  # fuzzing (clang 16 + libFuzzer; clang 14 lacks C++20 parenthesised aggregate init) and
  # the metrics-endpoint security tests (self-signed certificate, HTTPS scrapes)
  clang-16 libclang-rt-16-dev openssl curl
  # the weekly report's rendering test (headless browser) and CJK glyphs for its screenshots
  chromium fonts-noto-cjk
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
