#!/usr/bin/env bash
# Installs and starts what the tests need (idempotently), runs the whole suite, and prints
# "N passed, N failed" counted from the test results — also when set-up or the test run itself fails.
set -uo pipefail
cd "$(dirname "$0")/.."

results=TestResults
rm -rf "$results"

if ! bash tests/setup.sh; then
  echo "set-up failed: no test ran" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
dotnet test Orleans.LoadBalancer.sln -c Release --nologo \
  --blame-hang-timeout 10m \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" || status=$?

python3 - "$results" "$status" <<'PY'
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
if int(sys.argv[2]) != 0 and failed == 0:
    # The run failed without a failed test in the results: a crashed or hung test host, or a build error.
    failed += 1
    print(f"the test run failed (exit {sys.argv[2]}) without a failed test in the results", file=sys.stderr)
if not files:
    failed = max(failed, 1)
    print("no test results were written", file=sys.stderr)
line = f"{passed} passed, {failed} failed"
print(line + (f", {skipped} skipped" if skipped else ""))
PY
exit "$status"
