# Sourced by the run scripts: builds the programs and runs them in the foreground as one group.
# `start silo|gateway [VAR=value …]` starts one in its output folder; `wait_any` returns when one exits;
# Ctrl+C or any exit stops all of them.

dotnet build Gateway/Gateway.csproj -c Release --nologo -v q -clp:ErrorsOnly
dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:ErrorsOnly

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

start() {
  local program=$1; shift
  case "$program" in
    silo) (cd Silo/bin/Release/net10.0 && exec env "$@" dotnet Orleans.LoadBalancer.Silo.dll) & ;;
    gateway) (cd Gateway/bin/Release/net10.0 && exec env "$@" dotnet Orleans.LoadBalancer.Gateway.dll) & ;;
  esac
  pids+=($!)
}

wait_any() { wait -n "${pids[@]}"; }
