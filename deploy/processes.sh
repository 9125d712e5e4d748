# Sourced by the run scripts: builds the programs, then supervises them in the foreground.
#   service NAME silo|gateway PORT [VAR=value …]   declares a process (PORT: the HTTP port a gateway listens on, else 0)
#   supervise                                     starts them all and keeps them running
# A process that exits unexpectedly is started again after a backoff (1 s, doubling up to 30 s; back to 1 s once it
# ran a minute), with a log line saying so; the others keep running. Ctrl+C or SIGTERM to the script stops all of
# them (a silo stops its replicas unless they are shared). SIGUSR2 replaces each gateway without refusing a
# connection: a new one listens on the same port (SO_REUSEPORT: every gateway started here has Gateway:SharePort), and
# once it listens the old one gets SIGTERM and finishes its in-flight requests. Since these gateways share their ports,
# a gateway's port must be free when the script starts (a gateway of an earlier run would share it silently).
# Each process gets SIGTERM when the script dies, even by SIGKILL (setpriv --pdeathsig), so none outlives it.
#   ready_message TEXT                            printed once every gateway listens (they listen once they route)
# NO_BUILD=1 skips the build.

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "Building the gateway and the silo (a minute or two the first time)…" >&2
  for project in Gateway/Gateway.csproj Silo/Silo.csproj; do
    dotnet build "$project" -c Release --nologo -v m -clp:NoSummary 2>&1 | grep --line-buffered -E ' -> |error|warning' >&2
    [ "${PIPESTATUS[0]}" = 0 ] || { echo "The build of $project failed (above); nothing was started." >&2; exit 1; }
  done
fi

names=() programs=() ports=() envs=() pids=() started=() delays=() next_start=()
stopping=0 replace=0 ready_text="" ready_said=0
pdeathsig=()
command -v setpriv >/dev/null && pdeathsig=(setpriv --pdeathsig TERM)

say() { echo "[supervisor $(date +%T)] $*" >&2; }

service() {
  local name=$1 program=$2 port=$3; shift 3
  names+=("$name") programs+=("$program") ports+=("$port") envs+=("$(printf '%q ' "$@")")
  pids+=(0) started+=(0) delays+=(1) next_start+=(0)
}

launch() {
  local i=$1 dir dll
  case "${programs[i]}" in
    silo) dir=Silo/bin/Release/net10.0 dll=Orleans.LoadBalancer.Silo.dll ;;
    gateway) dir=Gateway/bin/Release/net10.0 dll=Orleans.LoadBalancer.Gateway.dll ;;
  esac
  eval "local -a vars=(${envs[i]})"
  # A gateway shares its port for the hand-over, both the old and the new process; it listens only once it has the
  # ring, since one that takes over a port another still serves must not be handed connections before it can route them.
  local -a own=()
  [ "${programs[i]}" = gateway ] && own=(Gateway__SharePort=true Gateway__ListenBeforeReady=false)
  (cd "$dir" && exec "${pdeathsig[@]}" env "${own[@]}" "${vars[@]}" dotnet "$dll") &
  pids[i]=$!
  started[i]=$SECONDS
}

ready_message() { ready_text=$1; }

# Says the ready line once, when every gateway listens.
say_when_ready() {
  local i
  [ $ready_said = 1 ] || [ -z "$ready_text" ] && return
  for i in "${!names[@]}"; do
    [ "${programs[i]}" = gateway ] && ! ss -Hltn "sport = :${ports[i]}" 2>/dev/null | grep -q . && return
  done
  ready_said=1
  echo "$ready_text"
}

stop_all() {
  trap - INT TERM USR2 EXIT
  stopping=1
  say "stopping: ${names[*]}"
  local pid
  for pid in "${pids[@]}"; do [ "$pid" != 0 ] && kill -TERM "$pid" 2>/dev/null; done
  wait 2>/dev/null
  say "stopped"
  exit 0
}

# Starts a second process of gateway i on its port, waits until it listens, then lets the old one finish and leave.
replace_gateway() {
  local i=$1 old=${pids[i]} port=${ports[i]} waited=0
  launch "$i"
  local new=${pids[i]}
  # A gateway listens only once it has the ring, so listening means ready.
  until ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$new,"; do
    if ! kill -0 "$new" 2>/dev/null || [ $waited -ge 1200 ]; then
      say "${names[i]}: the new process $new did not listen on port $port; keeping process $old"
      kill -TERM "$new" 2>/dev/null; wait "$new" 2>/dev/null
      pids[i]=$old
      return
    fi
    sleep 0.05; waited=$((waited + 1))
  done
  say "${names[i]}: process $new listens on port $port; stopping process $old (it finishes its requests first)"
  kill -TERM "$old" 2>/dev/null
  wait "$old" 2>/dev/null
  say "${names[i]}: replaced process $old by $new"
}

# The gateways' ports are free: these gateways share their ports, so one of an earlier run would not stop them.
check_ports() {
  local i
  for i in "${!names[@]}"; do
    if [ "${programs[i]}" = gateway ] && ss -Hltn "sport = :${ports[i]}" 2>/dev/null | grep -q .; then
      say "port ${ports[i]} of ${names[i]} is in use (a gateway of an earlier run? ss -ltnp 'sport = :${ports[i]}' shows which process); not starting"
      exit 1
    fi
  done
}

supervise() {
  check_ports
  trap stop_all INT TERM EXIT
  trap 'replace=1' USR2
  local i code
  for i in "${!names[@]}"; do launch "$i"; done
  while :; do
    if [ $replace = 1 ]; then
      replace=0
      for i in "${!names[@]}"; do [ "${programs[i]}" = gateway ] && replace_gateway "$i"; done
    fi
    for i in "${!names[@]}"; do
      if [ "${pids[i]}" != 0 ] && ! kill -0 "${pids[i]}" 2>/dev/null; then
        code=0; wait "${pids[i]}" 2>/dev/null || code=$?
        [ $((SECONDS - started[i])) -ge 60 ] && delays[i]=1
        say "${names[i]} (process ${pids[i]}) exited unexpectedly with code $code; starting it again in ${delays[i]} s"
        next_start[i]=$((SECONDS + delays[i]))
        delays[i]=$((delays[i] * 2 > 30 ? 30 : delays[i] * 2))
        pids[i]=0
      fi
      if [ "${pids[i]}" = 0 ] && [ $SECONDS -ge "${next_start[i]}" ]; then
        launch "$i"
        say "${names[i]} started again as process ${pids[i]}"
      fi
    done
    say_when_ready
    sleep 0.5 & wait $! 2>/dev/null || true
  done
}
