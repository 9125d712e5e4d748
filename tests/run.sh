#!/usr/bin/env bash
# Installs and starts what the tests need (idempotently), runs the whole suite, and prints
# "N passed, N failed" counted from the test results.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup.sh

results=TestResults
rm -rf "$results"
status=0
dotnet test Orleans.LoadBalancer.sln -c Release --nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" || status=$?

python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
files = glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True)
for path in files:
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        outcome = result.get("outcome")
        if outcome == "Passed":
            passed += 1
        elif outcome == "NotExecuted":
            skipped += 1
        else:
            failed += 1
if not files:
    failed += 1
    print("no test results were written", file=sys.stderr)
line = f"{passed} passed, {failed} failed"
print(line + (f", {skipped} skipped" if skipped else ""))
PY
exit "$status"
