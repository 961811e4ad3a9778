#!/usr/bin/env bash
# Installs the real consumers of nurturedsl's outputs that the tests run
# (tests/test_mermaid_consumer.py): Mermaid 10 and 11 with jsdom, at the
# versions package-lock.json pins. No browser: Mermaid renders under jsdom.
# Install scripts are not run; nothing here needs one.
set -euo pipefail
cd "$(dirname "$0")/mermaid"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
