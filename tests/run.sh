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

# Both test projects, one after the other (-m:1: the unit tests' CPU burst never overlaps the end-to-end tests'
# clusters); each writes a trx file of its own (no fixed LogFileName, or the second would overwrite the first).
# Every silo, gateway and replica a test starts writes its output to a file of its own here.
export ORLEANS_LB_TEST_LOGS="$PWD/$results/logs"

# Every process the suite starts lives for seconds to a minute. Dynamic PGO's instrumented tiers and the early
# recompilation of warm methods cost such a process CPU it never earns back: a silo, its replicas and a gateway that
# start and serve 200 requests use 9.5 CPU-seconds with these instead of 16-19 with the runtime's defaults, and on 2
# cores the suite is bound by CPU. Behaviour is the same; the benchmarks keep the defaults.
export DOTNET_TieredPGO=0 DOTNET_TC_CallCountThreshold=200

status=0
dotnet build Orleans.LoadBalancer.sln -c Release --nologo || status=$?
if [ "$status" = 0 ]; then
  dotnet test Orleans.LoadBalancer.sln -c Release --no-build --nologo -m:1 \
    --blame-hang-timeout 10m \
    --logger trx --logger "console;verbosity=normal" \
    --results-directory "$results" || status=$?
fi

# No test may leave a process behind: any silo, gateway or replica of this checkout still running (its program or its
# working directory is here; another checkout's run on the same machine is not ours to judge) counts as one failed
# test, and ends.
root=$(pwd -P)
leftover=""
for pid in $(pgrep -f 'Orleans\.LoadBalancer\.(Silo|Gateway|BackendServer)\.dll'); do
  case "$(readlink "/proc/$pid/cwd" 2>/dev/null) $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" in
    "$root "*|"$root"/*|*" $root"/*) leftover="$leftover $pid" ;;
  esac
done
if [ -n "$leftover" ]; then
  echo "processes left running after the tests (killed now):" >&2
  for pid in $leftover; do echo "  $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2; done
  kill -9 $leftover 2>/dev/null || true
fi

# The ring state folders the test processes used (one per test host process, named by its pid).
for folder in "${TMPDIR:-/tmp}"/orleans-lb-tests/state-*; do
  [ -d "$folder" ] && ! kill -0 "${folder##*state-}" 2>/dev/null && rm -rf "$folder"
done

python3 - "$results" "$status" "$(echo $leftover | wc -w)" <<'PY'
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
if int(sys.argv[3]) > 0:
    failed += 1
    print(f"{sys.argv[3]} processes were left running (the leak is one failed test)", file=sys.stderr)
if not files:
    failed = max(failed, 1)
    print("no test results were written", file=sys.stderr)
line = f"{passed} passed, {failed} failed"
print(line + (f", {skipped} skipped" if skipped else ""))
PY
[ -n "$leftover" ] && [ "$status" = 0 ] && status=1
exit "$status"
