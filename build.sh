#!/usr/bin/env bash
# DurableAgentOps build entry point. Usage: ./build.sh <command>
#   demo     set up what is missing, start the local services, run the demo of a governed run, stop them
#            (--interactive: you approve in a browser from the mail in smtp4dev, instead of the demo's headless chromium)
#   test     set up what is missing, build (warnings are errors), run every test (tests start their own services)
#   reliability  the full-size reliability tests (host killed at each point, Azurite restarted mid-run, a long step
#            with two hosts, PARKED_RUNS parked runs, default 300); ./build.sh test runs the reduced set
#   record-histories  record one real governed run per shipped workflow into tests/DurableAgentOps.IntegrationTests/
#            Replay/Recordings (history, evidence bundle, public key), then check them; see docs/VERSIONING.md
#   bench    run the engine benchmark against Azurite (in-memory) and write .artifacts/bench/*.{json,md}
#            (--approvals [--runs N]: approval page POST -> write completed, p50/p95, through the local stack)
#            (--evidence [--runs N]: a governed run with evidence off, then on: time and storage requests per run; the
#            host runs as Development both times, the only environment that accepts evidence off)
#            (--governed [--runs N] [--parked N]: full governed runs through the local stack against the bare engine in the
#            same run: runs/s ratio, approval POST -> write, storage and token requests, CPU per run, memory with N parked;
#            writes bench/results/governed-<label>.{json,md}; --help lists the options; COUNT_REQUESTS=0: Azurite's
#            debug log, which counts storage requests, left off for long loads)
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
    say "installing local services and test tools (npm ci: azurite, adaptivecards, playwright-core)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  if [ ! -x /usr/bin/chromium ]; then
    # The approval pages are tested, and the demo approves, in Debian's chromium (no browser download).
    say "installing chromium (apt)"
    local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null || die "could not install chromium (apt-get install chromium)"
  fi
  if ! command -v openssl >/dev/null; then
    # The local stack's evidence signing key is made with openssl (EC P-256).
    say "installing openssl (apt)"
    local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends openssl >/dev/null || die "could not install openssl (apt-get install openssl)"
  fi
  say "restoring .NET tools (.config/dotnet-tools.json: smtp4dev)"
  dotnet tool restore >/dev/null
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
stop_azurite() { if [ -n "$AZURITE_PID" ]; then kill "$AZURITE_PID" 2>/dev/null || true; wait "$AZURITE_PID" 2>/dev/null || true; fi; AZURITE_PID=; }


PIDS=()
stop_stack() {
  # Children first: `dotnet tool run` starts the tool as a child process.
  for pid in "${PIDS[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
stop_services() { stop_stack; stop_azurite; }
wait_healthy() { # $1 = name, $2 = URL, $3 = log
  for _ in $(seq 1 300); do
    node -e "fetch('$2/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && return
    sleep 0.2
  done
  die "$1 did not become healthy; see $3"
}

# The demo: crm-followup on the sample CRM. DevServices issues each step's token (the real ManagedIdentityCredential
# asks it), signs people in (its dev OpenID Connect provider) and logs who called what; the host runs the
# orchestration and trusts only signed-in callers; the CLI signs in, starts, watches and approves it.
# The local stack of the demo and the approvals benchmark: smtp4dev, DevServices (identity endpoint, sign-in provider,
# directory, sample systems) and the host, on fixed local ports; stopped by stop_services.
BIN="bin/$CONFIG/net10.0" DEV=http://127.0.0.1:7080 API=http://127.0.0.1:7071 WRITER=http://127.0.0.1:7072 MAIL=http://127.0.0.1:5080 LOGS=.azurite
# DevServices' HTTPS listener (MSAL's on-behalf-of flow needs an https authority): its self-signed certificate is kept
# (and reused) in $DEV_TLS_DIR; a process that calls it gets SSL_CERT_FILE=$DEV_CA_BUNDLE (system roots + that certificate).
DEV_TLS_PORT=7443 DEV_TLS_DIR=$ROOT/.azurite/tls
DEV_CA_BUNDLE=$DEV_TLS_DIR/ca-bundle.pem DEV_AUTHORITY=https://localhost:$DEV_TLS_PORT/7d3e5c1a-0000-4000-8000-0000000000d0
start_stack() {
  trap stop_services EXIT
  local bin=$BIN dev=$DEV api=$API writer=$WRITER mail=$MAIL logs=$LOGS
  local header; header=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')   # shared secret, never printed
  local writerheader; writerheader=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')  # the writer's own, never printed
  local linkkey; linkkey=$(head -c 32 /dev/urandom | base64)                  # signs approval links, never printed
  local intentkey; intentkey=$(head -c 32 /dev/urandom | base64)              # signs write intents, never printed
  local sessionkey; sessionkey=$(head -c 32 /dev/urandom | base64)            # encrypts on-behalf-of sessions, never printed
  # The evidence keys outlive one demo (so are its data in .azurite/data): earlier runs still verify and reveal.
  local keys=$logs/keys; mkdir -p "$keys"; chmod 700 "$keys"
  [ -s "$keys/vault.key" ] || (umask 077; head -c 32 /dev/urandom | base64 >"$keys/vault.key")  # seals redacted values
  if [ ! -s "$keys/evidence-signing.pem" ]; then                                             # signs run and tree heads
    (umask 077; openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$keys/evidence-signing.pem")
    openssl ec -in "$keys/evidence-signing.pem" -pubout -out "$keys/evidence-public.pem" 2>/dev/null
  fi
  local vaultkey; vaultkey=$(cat "$keys/vault.key")
  local signingkey; signingkey=$(cat "$keys/evidence-signing.pem")
  say "starting smtp4dev ($mail: the approval mails land here)"
  # smtp4dev keeps 100 mails by default: a benchmark of 1,000 parked runs needs every approval link it mailed.
  dotnet tool run smtp4dev -- --smtpport=2525 --urls=$mail --bindaddress=127.0.0.1 --db= --imapport= --pop3port= --nousersettings --messagestokeep=100000 \
    >$logs/smtp4dev.log 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 150); do node -e "fetch('$mail/api/messages').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break; sleep 0.2; done
  say "starting the dev identity endpoint, sign-in provider and sample systems ($dev)"
  DevServices__IdentityHeader=$header DevServices__WriterIdentityHeader=$writerheader DevServices__PublicUrl=$dev \
    DevServices__TlsPort=$DEV_TLS_PORT DevServices__TlsDirectory=$DEV_TLS_DIR \
    dotnet "src/DurableAgentOps.DevServices/$bin/DurableAgentOps.DevServices.dll" --urls $dev >$logs/devservices.log 2>&1 &
  PIDS+=($!)
  wait_healthy DevServices $dev $logs/devservices.log
  say "starting the writer ($writer): a second process that alone holds the writer identities of separate-writer workflows"
  Host__Role=writer IDENTITY_ENDPOINT=$dev/msi/token IDENTITY_HEADER=$writerheader AgentOps__Systems__DefaultBaseUrl=$dev \
    AgentOps__Writer__IntentKey=$intentkey AgentOps__Evidence__VaultKey=$vaultkey ASPNETCORE_ENVIRONMENT=${HOST_ENVIRONMENT:-Production} \
    dotnet "src/DurableAgentOps.Host/$bin/DurableAgentOps.Host.dll" --urls $writer >$logs/writer.log 2>&1 &
  PIDS+=($!)
  wait_healthy Writer $writer $logs/writer.log
  say "starting the DurableAgentOps host ($api), trusting people signed in at $dev/signin"
  IDENTITY_ENDPOINT=$dev/msi/token IDENTITY_HEADER=$header Host__PublicBaseUrl=$api \
    AgentOps__Auth__Authority=$dev/signin AgentOps__Auth__TenantId=7d3e5c1a-0000-4000-8000-0000000000d0 \
    AgentOps__Directory__GraphBaseUrl=$dev/graph/v1.0/ AgentOps__Directory__ClientId=6f1c0a10-0000-4000-8000-0000000000a0 \
    AgentOps__Email__Host=127.0.0.1 AgentOps__Email__Port=2525 AgentOps__Email__Security=None AgentOps__Email__From=approvals@contoso.example \
    AgentOps__Approvals__LinkSigningKey=$linkkey AgentOps__Evidence__VaultKey=$vaultkey AgentOps__Evidence__SigningKey="$signingkey" \
    AgentOps__Writer__Url=$writer AgentOps__Writer__IntentKey=$intentkey \
    SSL_CERT_FILE=$DEV_CA_BUNDLE AgentOps__Delegation__Authority=$DEV_AUTHORITY \
    AgentOps__Delegation__ManagedIdentityClientId=6f1c0a10-0000-4000-8000-0000000000a2 AgentOps__Delegation__CacheKey=$sessionkey \
    AgentOps__Evidence__Enabled=${EVIDENCE:-true} ASPNETCORE_ENVIRONMENT=${HOST_ENVIRONMENT:-Production} \
    AgentOps__Telemetry__Console=${TELEMETRY_CONSOLE:-false} \
    dotnet "src/DurableAgentOps.Host/$bin/DurableAgentOps.Host.dll" --urls $api >$logs/host.log 2>&1 &
  PIDS+=($!)
  wait_healthy Host $api $logs/host.log
}

# The id of the run `agentops run` logs to $1, once it waits for approval (up to 60 s); fails if it never does.
gated_run_id() {
  local log=$1 run=
  for _ in $(seq 1 300); do
    run=$(sed -n 's/^run \([^ ]*\) started.*/\1/p' "$log" | head -n 1)
    [ -n "$run" ] && grep -q "waiting for approval" "$log" && { echo "$run"; return 0; }
    sleep 0.2
  done
  return 1
}

run_governed_demo() {
  local interactive=${1:-}
  local bin=$BIN dev=$DEV api=$API mail=$MAIL logs=$LOGS
  TELEMETRY_CONSOLE=${TELEMETRY_CONSOLE:-true} start_stack  # the run's spans on the host's output: .azurite/host.log
  # Each person keeps their own sign-in (AGENTOPS_HOME), as on their own machine.
  rm -rf $logs/people
  local cli="dotnet src/DurableAgentOps.Cli/$bin/agentops.dll"
  as() { local who=$1; shift; AGENTOPS_HOME=$logs/people/$who $cli "$@"; }
  say "the four answers for crm-followup, from its file"
  $cli explain crm-followup
  say "alice signs in (dev sign-in provider: authorization code + PKCE) and starts crm-followup for ACC-000002"
  as alice login --dev alice@contoso.example
  as alice run crm-followup --input accountId=ACC-000002 --host $api | tee $logs/demo-run.log &
  local watcher=$! run
  run=$(gated_run_id $logs/demo-run.log) || die "the run did not reach its approval gate; see $logs/host.log"
  say "alice tries to approve her own run (separation of duties, by principal id)"
  as alice approve "$run" --host $api || true
  say "mallory, signed in but in no approver group, tries to approve"
  as mallory login --dev mallory@contoso.example >/dev/null
  as mallory approve "$run" --host $api || true
  if [ "$interactive" = "--interactive" ]; then
    say "your turn: open $mail, open the mail to bob.manager@contoso.example, follow its link, sign in as Bob Manager and decide"
    node -e 'fetch(process.argv[1] + "/api/messages?pageSize=1000").then(r => r.json()).then(m => { for (const x of m.results) if (x.subject.includes(process.argv[2])) console.log(`  mail: ${x.subject} -> ${x.to.join(", ")}`); });' $mail "$run"
  else
    say "bob.manager gets the approval mail (smtp4dev, $mail), opens its link in chromium, signs in and approves on the page"
    node demo/approve-by-mail.mjs --smtp $mail --run "$run" --as bob.manager@contoso.example --comment "follow-up looks right"
  fi
  wait "$watcher" || die "the run did not complete; see $logs/host.log"
  say "who decided (the run's record: verified principal, how they qualified, channel)"
  as alice whoami >/dev/null && node -e '
    fetch(process.argv[1], { headers: { authorization: "Bearer " + require(process.argv[2]).accessToken } }).then(r => r.json()).then(s => {
      console.log(`  initiator: ${s.initiator.name} (${s.initiator.id})`);
      for (const a of s.approvals) console.log(`  ${a.approver ? a.approver.name + " (" + a.approver.id + ")" : "(unverified)"} ${a.approved ? "approved" : "rejected"} at ${a.gate} as ${a.matchedAs} via ${a.channel}, link ${a.linkId ?? "-"}, change ${(a.changeDigest ?? "").slice(0, 12)}: ${a.counted}`);
      for (const n of s.notices) console.log(`  notice ${n.kind} at ${n.gate} to ${n.recipients}: sent ${n.sent.join(", ") || "nothing"}${n.failures.length ? "; " + n.failures.join("; ") : ""}`);
    });' "$api/api/runs/$run" "$PWD/$logs/people/alice/login.json"
  say "who acted on the sample CRM (its request log: token subject -> identity)"
  node -e '
    fetch(process.argv[1]).then(r => r.json()).then(log => {
      const width = Math.max(...log.map(r => r.path.length));
      for (const r of log) console.log(`  ${r.method.padEnd(5)} ${r.path.padEnd(width)} ${String(r.status).padEnd(4)} as ${r.identityName} (${r.subject})`);
    });' "$dev/_dev/requests?system=crm"
  run_mcp_demo
  run_delegation_demo
  run_writer_demo
  run_investigation "$run"
}

# A workflow whose steps act for the person who starts it (on-behalf-of): the CRM sees that person, within their own rights.
run_delegation_demo() {
  local api=$API dev=$DEV logs=$LOGS cli="dotnet src/DurableAgentOps.Cli/$BIN/agentops.dll"
  as() { local who=$1; shift; AGENTOPS_HOME=$logs/people/$who $cli "$@"; }
  say "crm-call-note acts for the person who starts it: explain says whose authority each step runs under"
  $cli explain crm-call-note --format json | node -e '
    let text = ""; process.stdin.on("data", d => text += d).on("end", () => {
      for (const s of JSON.parse(text).steps) console.log(`  ${s.id.padEnd(13)} ${s.identity.padEnd(15)} ${s.delegation ?? "its own identity (a service identity)"}`);
    });'
  say "alice starts it for ACC-000002: the host exchanges her sign-in for tokens that act for her (MSAL, on-behalf-of)"
  node -e 'fetch(process.argv[1], { method: "DELETE" })' "$dev/_dev/requests"   # the CRM's log from here on is this run's
  as alice run crm-call-note --input accountId=ACC-000002 --host $api | tee $logs/demo-delegated.log &
  local watcher=$! run
  run=$(gated_run_id $logs/demo-delegated.log) || die "the delegated run did not reach its approval gate; see $logs/host.log"
  say "bob.manager approves; the note is written under alice's own name"
  as bob login --dev bob.manager@contoso.example >/dev/null
  as bob approve "$run" --comment "note reads well" --host $api
  wait "$watcher" || die "the delegated run did not complete; see $logs/host.log"
  as alice whoami >/dev/null && node -e '
    fetch(process.argv[1], { headers: { authorization: "Bearer " + require(process.argv[2]).accessToken } }).then(r => r.json()).then(s => {
      for (const st of s.steps) console.log(`  ${st.stepId.padEnd(13)} ${st.identity.padEnd(15)} ${st.actedFor ? "as " + st.actedFor.subjectName + " (" + st.actedFor.subjectId + "), app " + st.actedFor.actorClientId + " acting" : "its own identity"}`);
    });' "$api/api/runs/$run" "$PWD/$logs/people/alice/login.json"
  node -e '
    fetch(process.argv[1]).then(r => r.json()).then(log => {
      for (const r of log) console.log(`  ${r.method.padEnd(4)} ${r.path.padEnd(38)} ${String(r.status).padEnd(4)} as ${r.identityName} (${r.subject})`);
    });' "$dev/_dev/requests?system=crm"
  say "alice asks for ACC-000001: in EMEA, so the declared scope allows it, but the CRM does not share that account with her"
  as alice run crm-call-note --input accountId=ACC-000001 --host $api || true
}

# isolation: separate-writer: the write runs in the writer, which alone holds finance-writer (workflows/identities.yaml, app: writer).
run_writer_demo() {
  local api=$API dev=$DEV writer=$WRITER logs=$LOGS cli="dotnet src/DurableAgentOps.Cli/$BIN/agentops.dll"
  as() { local who=$1; shift; AGENTOPS_HOME=$logs/people/$who $cli "$@"; }
  say "invoice-exceptions declares separate-writer: its write runs in the writer ($writer), a second process; explain, from this host"
  as frank login --dev frank.payables@contoso.example >/dev/null
  as frank explain invoice-exceptions --host $api | grep -E "^Isolation|finance-writer" || true
  as frank run invoice-exceptions --input invoiceId=INV-00000001 --input purchaseOrderId=PO-00000001 --host $api | tee $logs/demo-writer.log &
  local watcher=$! run
  run=$(gated_run_id $logs/demo-writer.log) || die "the invoice run did not reach its approval gate; see $logs/host.log"
  say "pat.clerk (ap-clerks) approves; the main host hands the writer a signed intent, and the writer checks it and writes"
  as pat login --dev pat.clerk@contoso.example >/dev/null
  as pat approve "$run" --comment "hold until the credit note arrives" --host $api
  wait "$watcher" || die "the invoice run did not complete; see $logs/host.log and $logs/writer.log"
  say "where each step ran (the run's record and its ledger name the process), and who wrote to the finance system"
  as frank whoami >/dev/null && node -e '
    fetch(process.argv[1], { headers: { authorization: "Bearer " + require(process.argv[2]).accessToken } }).then(r => r.json()).then(s => {
      for (const st of s.steps) console.log(`  ${st.stepId.padEnd(26)} ${st.identity.padEnd(15)} in ${st.worker}`);
    });' "$api/api/runs/$run" "$PWD/$logs/people/frank/login.json"
  node -e '
    fetch(process.argv[1]).then(r => r.json()).then(log => {
      for (const r of log.filter(r => r.method !== "GET")) console.log(`  ${r.method} ${r.path} ${r.status} as ${r.identityName} (${r.subject})`);
    });' "$dev/_dev/requests?system=finance"
  grep -ho "Writer: intent .*" $logs/writer.log | tail -n 1 | sed 's/^/  writer log: /' || true
}

# A system reached through MCP: the same governance over a tool call (workflows/systems/servicedesk.yaml pins each tool).
run_mcp_demo() {
  local api=$API dev=$DEV logs=$LOGS cli="dotnet src/DurableAgentOps.Cli/$BIN/agentops.dll"
  as() { local who=$1; shift; AGENTOPS_HOME=$logs/people/$who $cli "$@"; }
  say "ticket-escalation reads and writes through the sample service desk's MCP server ($dev/servicedesk/mcp), each tool pinned by hash"
  $cli explain ticket-escalation
  as sam login --dev sam.support@contoso.example >/dev/null
  as sam run ticket-escalation --input ticketId=TCK-0000002 --host $api | tee $logs/demo-mcp.log &
  local watcher=$! run
  run=$(gated_run_id $logs/demo-mcp.log) || die "the MCP run did not reach its approval gate; see $logs/host.log"
  say "lee.lead (support-leads) approves; the escalate_ticket tool is called under servicedesk-writer"
  as lee login --dev lee.lead@contoso.example >/dev/null
  as lee approve "$run" --comment "tier 2 should take it" --host $api
  wait "$watcher" || die "the MCP run did not complete; see $logs/host.log"
  node -e '
    fetch(process.argv[1]).then(r => r.json()).then(log => {
      for (const r of log) console.log(`  ${r.method} ${r.path.padEnd(16)} ${String(r.status).padEnd(4)} as ${r.identityName} (${r.subject})`);
    });' "$dev/_dev/requests?system=servicedesk"
}

# The investigator's side of the demo: the evidence ledger outlives the Durable history and verifies on its own.
run_investigation() {
  local run=$1 api=$API logs=$LOGS cli="dotnet src/DurableAgentOps.Cli/$BIN/agentops.dll"
  local key=$logs/keys/evidence-public.pem bundle=$logs/$run.evidence.json
  as() { local who=$1; shift; AGENTOPS_HOME=$logs/people/$who $cli "$@"; }
  say "ivan.investigator (app role AgentOps.Investigator) finds every run this month in which crm-writer wrote to ACC-000002"
  as ivan login --dev ivan.investigator@contoso.example >/dev/null
  as ivan runs --wrote crm-writer:ACC-000002 --since "$(date -u +%Y-%m-01)" --top 5 --host $api
  say "he verifies the run here (hash chain, signed head, place in the signed log) against the key he was given"
  as ivan verify "$run" --public-key "$key" --host $api
  say "the run's timeline from its ledger (lanes per identity, gate, refusals; the page: $api/runs/$run/timeline)"
  as ivan timeline "$run" --host $api
  say "he exports its evidence; the bundle verifies offline with nothing but itself and the public key"
  as ivan export "$run" --output "$bundle" --force --host $api
  $cli verify --bundle "$bundle" --public-key "$key"
  say "olga.ops (Administrator) purges the run's Durable history through the instance API: the evidence stays"
  as olga login --dev olga.ops@contoso.example >/dev/null
  node -e '
    fetch(process.argv[1], { method: "DELETE", headers: { authorization: "Bearer " + require(process.argv[2]).accessToken } })
      .then(async r => console.log(`  DELETE instance: ${r.status} ${await r.text()}`));' "$api/runtime/webhooks/durabletask/instances/$run" "$PWD/$logs/people/olga/login.json"
  as ivan verify "$run" --public-key "$key" --host $api
  say "ivan replays the run from its ledger (its history is gone): today's code, every side effect stubbed"
  as ivan replay "$run" --host $api
  say "the evidence itself cannot be purged before its workflow's retention has passed"
  as olga purge "$run" --host $api || true
}

case "${1:-help}" in
  demo)
    setup
    start_azurite --location .azurite/data
    run_governed_demo "${2:-}"
    ;;
  test)
    setup
    say "running tests"
    mkdir -p .artifacts/test
    set +e
    # The recorder (category RecordHistories) runs only through record-histories.
    # The full-size reliability tests (category Reliability) run through ./build.sh reliability; the suite keeps the
    # reduced set: one kill and one outage per kind, at small sizes.
    dotnet test DurableAgentOps.sln -c "$CONFIG" --no-build --nologo --filter "Category!=RecordHistories&Category!=Reliability" --logger "console;verbosity=minimal" 2>&1 | tee .artifacts/test/output.log
    code=${PIPESTATUS[0]}
    set -e
    # One closing line for CI readers: totals over every test assembly.
    awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
         END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' .artifacts/test/output.log
    exit "$code"
    ;;
  reliability)
    # The full-size reliability tests (the normal suite runs the reduced set): host kills, storage restarts, parked runs.
    setup
    mkdir -p .artifacts/test
    AGENTOPS_PARKED_RUNS=${PARKED_RUNS:-300} dotnet test tests/DurableAgentOps.IntegrationTests -c "$CONFIG" --no-build --nologo \
      --filter "Category=Reliability" --logger "console;verbosity=normal" 2>&1 | tee .artifacts/test/reliability.log
    exit "${PIPESTATUS[0]}"
    ;;
  record-histories)
    setup
    say "recording one governed run per shipped workflow (the recorder starts its own Azurite, smtp4dev, DevServices and host)"
    recordings=tests/DurableAgentOps.IntegrationTests/Replay/Recordings
    mkdir -p .artifacts/test
    set +e
    AGENTOPS_RECORD_HISTORIES=1 dotnet test tests/DurableAgentOps.IntegrationTests -c "$CONFIG" --no-build --nologo \
      --filter Category=RecordHistories --logger "console;verbosity=minimal" 2>&1 | tee .artifacts/test/record-histories.log
    code=${PIPESTATUS[0]}
    set -e
    [ "$code" -eq 0 ] || die "recording failed; nothing was written unless every run checked out (see above)"
    grep -q "Passed: *1," .artifacts/test/record-histories.log || die "the recorder did not run (AGENTOPS_RECORD_HISTORIES=1 and --filter Category=RecordHistories select it)"
    say "checking the new recordings against today's code (CheckedInRecordingTests; the build copies them to the test output)"
    dotnet build tests/DurableAgentOps.IntegrationTests -c "$CONFIG" --nologo -v quiet -clp:ErrorsOnly
    dotnet test tests/DurableAgentOps.IntegrationTests -c "$CONFIG" --no-build --nologo --filter "FullyQualifiedName~CheckedInRecordingTests" --logger "console;verbosity=minimal"
    say "review and commit (docs/VERSIONING.md):"
    git status --short -- "$recordings"
    ;;
  bench)
    setup
    start_azurite --inMemoryPersistence
    if [ "${2:-}" = "--evidence" ]; then
      # The same stack twice, evidence off then on, against one Azurite whose debug log counts every storage request.
      stop_azurite
      mkdir -p .artifacts/bench; rm -f .azurite/requests.log
      start_azurite --inMemoryPersistence --debug .azurite/requests.log
      runs=${4:-20}
      for mode in off on; do
        # Evidence off is refused outside Development; both modes run as Development so they compare like with like.
        EVIDENCE=$([ $mode = on ] && echo true || echo false) HOST_ENVIRONMENT=Development start_stack
        rm -rf $LOGS/people
        AGENTOPS_HOME=$LOGS/people/alice dotnet "src/DurableAgentOps.Cli/$BIN/agentops.dll" login --dev alice@contoso.example >/dev/null
        AGENTOPS_HOME=$LOGS/people/bob dotnet "src/DurableAgentOps.Cli/$BIN/agentops.dll" login --dev bob.manager@contoso.example >/dev/null
        node demo/measure-evidence.mjs --api $API --starter $LOGS/people/alice/login.json --approver $LOGS/people/bob/login.json \
          --azurite-log .azurite/requests.log --mode $mode --runs "$runs" --out .artifacts/bench/evidence-$mode.json
        stop_stack
      done
      node -e '
        const [off, on] = ["off", "on"].map(m => require(`./.artifacts/bench/evidence-${m}.json`));
        const r = (a, b) => (a / b).toFixed(2);
        const md = `| evidence | runs | p50 ms | p95 ms | storage requests / run | to evidence / run |\n|---|---|---|---|---|---|\n` +
          [off, on].map(x => `| ${x.mode} | ${x.runs} | ${x.p50Ms} | ${x.p95Ms} | ${x.storageRequestsPerRun} | ${x.evidenceRequestsPerRun} |`).join("\n") +
          `\n\non / off: p50 ${r(on.p50Ms, off.p50Ms)}x, p95 ${r(on.p95Ms, off.p95Ms)}x, storage requests ${r(on.storageRequestsPerRun, off.storageRequestsPerRun)}x\n`;
        require("fs").writeFileSync(".artifacts/bench/evidence.md", md); console.log(md);'
    elif [ "${2:-}" = "--governed" ]; then
      # Governed runs through the whole local stack against the bare engine, same Azurite (its debug log counts requests).
      stop_azurite
      mkdir -p bench/results; rm -f .azurite/requests.log
      # In memory, Azurite keeps every row and message on node's heap: a thousand parked runs outgrow its 4 GB default.
      # Requests are counted from Azurite's debug log; COUNT_REQUESTS=0 leaves it off, for long loads where writing a line
      # per request would weigh on Azurite itself (the storage-request figures then read 0).
      counting=(--debug .azurite/requests.log); counted=(--azurite-log .azurite/requests.log)
      if [ "${COUNT_REQUESTS:-1}" = 0 ]; then counting=(); counted=(); fi
      NODE_OPTIONS="--max-old-space-size=${AZURITE_HEAP_MB:-12288}" start_azurite --inMemoryPersistence "${counting[@]}"
      # One starter and one approver from one address drive every run: the per-caller and per-address limits, sized for
      # people, would measure the limiter, not the product.
      export AgentOps__RateLimits__RunStartPerMinute=1000000 AgentOps__RateLimits__ApprovalPagePerMinute=1000000 \
        AgentOps__RateLimits__SignInPerMinute=1000000 AgentOps__RateLimits__Concurrent=10000
      start_stack
      rm -rf $LOGS/people
      for who in alice@contoso.example ivan.investigator@contoso.example; do
        AGENTOPS_HOME=$LOGS/people/${who%%[.@]*} dotnet "src/DurableAgentOps.Cli/$BIN/agentops.dll" login --dev $who >/dev/null
      done
      dotnet "tests/DurableAgentOps.Benchmarks/bin/$CONFIG/net10.0/DurableAgentOps.Benchmarks.dll" --governed \
        --api $API --dev $DEV --smtp $MAIL --starter $LOGS/people/alice/login.json --investigator $LOGS/people/ivan/login.json \
        --approver bob.manager@contoso.example --host-pid "${PIDS[-1]}" --azurite-pid "$AZURITE_PID" "${counted[@]}" "${@:3}"
    elif [ "${2:-}" = "--approvals" ]; then
      # Approval page POST -> write completed, p50/p95 over --runs N (default 50), through the real stack.
      start_stack
      rm -rf $LOGS/people
      AGENTOPS_HOME=$LOGS/people/alice dotnet "src/DurableAgentOps.Cli/$BIN/agentops.dll" login --dev alice@contoso.example >/dev/null
      node demo/measure-approvals.mjs --api $API --smtp $MAIL --starter "$LOGS/people/alice/login.json" --as bob.manager@contoso.example "${@:3}"
    else
      dotnet "tests/DurableAgentOps.Benchmarks/bin/$CONFIG/net10.0/DurableAgentOps.Benchmarks.dll" "${@:2}"
    fi
    ;;
  azurite)
    setup
    mkdir -p .azurite
    exec node_modules/.bin/azurite --skipApiVersionCheck --loose --location .azurite/data
    ;;
  setup) setup ;;
  *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; [ "${1:-help}" = help ] || exit 2 ;;
esac
