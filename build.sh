#!/usr/bin/env bash
# DurableAgentOps build entry point. Usage: ./build.sh <command>
#   demo     set up what is missing, start Azurite, run the demo of a governed run, stop Azurite
#   test     set up what is missing, build (warnings are errors), run every test (tests start their own services)
#   bench    run the engine benchmark against Azurite (in-memory) and write .artifacts/bench/*.{json,md}
#   azurite  run Azurite in the foreground with data in .azurite/ (for working with the host by hand)
#   setup    only install what is missing (npm packages, .NET tools) and build
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
CONFIG=${CONFIG:-Release}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

setup() {
  command -v dotnet >/dev/null || die "the .NET SDK is required (dotnet not on PATH)"
  command -v npm >/dev/null || die "Node.js and npm are required (npm not on PATH)"
  if [ ! -x node_modules/.bin/azurite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing local services (npm ci: azurite)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  say "building ($CONFIG)"
  dotnet build DurableAgentOps.sln -c "$CONFIG" --nologo -v quiet -clp:ErrorsOnly
}

AZURITE_PID=
start_azurite() { # $1 = extra args (e.g. --inMemoryPersistence or --location dir)
  if (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null; then
    say "Azurite already listening on 10000-10002; using it"
    return
  fi
  say "starting Azurite $*"
  mkdir -p .azurite
  node_modules/.bin/azurite --silent --skipApiVersionCheck --loose --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 "$@" \
    >.azurite/azurite.log 2>&1 &
  AZURITE_PID=$!
  trap stop_azurite EXIT
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null && return
    sleep 0.1
  done
  die "Azurite did not start; see .azurite/azurite.log"
}
stop_azurite() { [ -n "$AZURITE_PID" ] && kill "$AZURITE_PID" 2>/dev/null && wait "$AZURITE_PID" 2>/dev/null; AZURITE_PID=; }

case "${1:-help}" in
  demo)
    setup
    start_azurite --location .azurite/data
    say "demo: a sample governed run (read, draft, route, notify, approval, write) on the durable engine"
    dotnet "src/DurableAgentOps.Host/bin/$CONFIG/net10.0/DurableAgentOps.Host.dll" demo --urls http://127.0.0.1:7071
    ;;
  test)
    setup
    say "running tests"
    mkdir -p .artifacts/test
    set +e
    dotnet test DurableAgentOps.sln -c "$CONFIG" --no-build --nologo --logger "console;verbosity=minimal" 2>&1 | tee .artifacts/test/output.log
    code=${PIPESTATUS[0]}
    set -e
    # One closing line for CI readers: totals over every test assembly.
    awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
         END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' .artifacts/test/output.log
    exit "$code"
    ;;
  bench)
    setup
    start_azurite --inMemoryPersistence
    dotnet "tests/DurableAgentOps.Benchmarks/bin/$CONFIG/net10.0/DurableAgentOps.Benchmarks.dll" "${@:2}"
    ;;
  azurite)
    setup
    mkdir -p .azurite
    exec node_modules/.bin/azurite --skipApiVersionCheck --loose --location .azurite/data
    ;;
  setup) setup ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; [ "${1:-help}" = help ] || exit 2 ;;
esac
