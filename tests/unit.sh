#!/usr/bin/env bash
# The unit tests alone: pure code, no cluster, no processes, no Docker (about 30 s once built).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet test tests/UnitTests -c Release --nologo "$@"
