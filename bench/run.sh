#!/usr/bin/env bash
# Runs the benchmark scenarios of docs/performance.md against a freshly started Cadenza on
# loopback ports (generated config, self-signed certificate, accounts in a temp dir), samples
# the server's RSS and CPU from /proc, prints one table and stops the server.
#
#   bench/run.sh              small numbers, about a minute
#   SCALE=full bench/run.sh   the issue's numbers (19,000 idle streams, 10,000-stream fan-out...)
#   bench/run.sh --smoke      the test suite's smoke run: 20 streams, 5 items; fails on any loss
#   ONLY=fanout-1k,one-stream SCALE=full bench/run.sh   just those scenarios
#
# Builds <source>/build-bench (debugoptimized, NDEBUG) when its binaries are missing;
# CADENZA_BENCH_BIN names another build directory.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
SMOKE=0
[[ "${1:-}" == "--smoke" ]] && SMOKE=1
SCALE=${SCALE:-small}

if [[ -n "${CADENZA_BENCH_BIN:-}" ]]; then
    BUILD=$CADENZA_BENCH_BIN
else
    BUILD=$SRC/build-bench
    if [[ ! -d $BUILD ]]; then
        meson setup "$BUILD" "$SRC" --buildtype=debugoptimized -Db_ndebug=true >/dev/null
    fi
    ninja -C "$BUILD" -j2 core/cadenza core/cadenzactl bench/sse_load bench/publisher bench/kernel_floor \
        modules/mod_pubsub.so modules/mod_pubsub_eventsource.so modules/mod_muc.so \
        modules/mod_muc_eventsource.so >/dev/null
fi
MODULES=${CADENZA_BENCH_MODULES:-$BUILD/modules}
SERVER=$BUILD/core/cadenza
CTL=$BUILD/core/cadenzactl
LOAD=$BUILD/bench/sse_load
PUB=$BUILD/bench/publisher
FLOOR=$BUILD/bench/kernel_floor

TMP=$(mktemp -d /tmp/cadenza-bench.XXXXXX)
SERVER_PID=""
LOAD_PID=""
cleanup() {
    [[ -n $LOAD_PID ]] && kill "$LOAD_PID" 2>/dev/null || true
    if [[ -n $SERVER_PID ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ ${KEEP_TMP:-0} == 1 ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# Polls a shell condition every 20 ms until it holds; fails after $2 seconds.
wait_for() {
    local cond=$1 limit=$2 i=0
    until eval "$cond"; do
        sleep 0.02
        i=$((i + 1))
        if ((i > limit * 50)); then return 1; fi
    done
}
# json FILE EXPR: a field of a JSON summary (EXPR in Python, the document is `j`).
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

HTTP_PORT=$(free_port)
C2S_PORT=$(free_port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout "$TMP/localhost.key" -out "$TMP/localhost.crt" 2>/dev/null
STALL_CAP=${STALL_CAP:-1048576}
cat >"$TMP/cadenza.cfg.lua" <<CFG
http_ports = { $HTTP_PORT }
http_interfaces = { "127.0.0.1" }
https_ports = { }
c2s_ports = { $C2S_PORT }
c2s_interfaces = { "127.0.0.1" }
log = { info = "*console" }
data_path = "$TMP/data"
plugin_paths = { "$MODULES" }
ssl = { certificate = "$TMP/localhost.crt", key = "$TMP/localhost.key" }
-- The default caps leave a quarter of the file limit to XMPP clients; the idle scenario
-- wants nearly all of it for streams.
http_max_connections = 19900
http_write_threads = ${WRITE_THREADS:-0} -- 0: the server's default (one per core)
VirtualHost "localhost"
Component "pubsub.localhost" "pubsub"
  modules_enabled = { "pubsub_eventsource" }
  http_host = "localhost"
  eventsource_max_buffer = $STALL_CAP
  eventsource_max_streams_per_ip = 0 -- thousands of streams come from four addresses
Component "rooms.localhost" "muc"
  modules_enabled = { "muc_eventsource" }
  http_host = "localhost"
  http_paths = { eventsource = "/rooms" }
  eventsource_max_streams_per_ip = 0
CFG
mkdir -p "$TMP/data"
"$CTL" --config "$TMP/cadenza.cfg.lua" register bench localhost benchpw >"$TMP/ctl.log" 2>&1 ||
    { cat "$TMP/ctl.log" >&2; exit 1; }
# CADENZA_BENCH_WRAP: a command the server runs under, e.g. "valgrind --tool=callgrind".
${CADENZA_BENCH_WRAP:-} "$SERVER" --config "$TMP/cadenza.cfg.lua" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
wait_for "grep -q 'server started' '$TMP/server.log' || ! kill -0 $SERVER_PID 2>/dev/null" 120 ||
    { echo "the server did not start" >&2; cat "$TMP/server.log" >&2; exit 1; }
kill -0 $SERVER_PID 2>/dev/null || { echo "the server exited" >&2; cat "$TMP/server.log" >&2; exit 1; }

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
TICKS=$(getconf CLK_TCK)
now_s() { date +%s.%N; }

# ONLY=name,name runs just those scenarios.
selected() { [[ -z ${ONLY:-} || ",$ONLY," == *",$1,"* ]]; }

# The server logs each stream it drops for falling behind; sse_load cannot see those closes
# (a FIN does not get through a zero receive window).
DROPPED_BEFORE=0
dropped_streams() { grep -c 'dropped the event stream' "$TMP/server.log" || true; }

ROWS=()
FAILED=0
NODES=0
# scenario NAME MODE STREAMS ITEMS RATE INFLIGHT PAD STALL
# Streams N clients to a fresh node (or room), then publishes ITEMS at RATE/s (0 = as fast as
# INFLIGHT allows) and waits for every stream to have every item.
scenario() {
    local name=$1 mode=$2 streams=$3 items=$4 rate=$5 inflight=$6 pad=$7 stall=$8
    selected "$name" || return 0
    NODES=$((NODES + 1))
    local node="n$NODES" service=pubsub.localhost path=/eventsource
    if [[ $mode == muc ]]; then service=rooms.localhost path=/rooms; fi
    local pubargs=(--port "$C2S_PORT" --jid bench@localhost --password benchpw --mode "$mode"
        --service "$service" --node "$node")
    "$PUB" "${pubargs[@]}" --setup-only >"$TMP/$name.setup.json" ||
        { echo "$name: setup failed: $(cat "$TMP/$name.setup.json")" >&2; FAILED=1; return; }
    local ready="$TMP/$name.ready" rss0 timeout=$((items / (rate > 0 ? rate : 1000) + 30))
    rss0=$(rss_kb)
    "$LOAD" --port "$HTTP_PORT" --path "$path/$node" --streams "$streams" --events "$items" \
        --ramp "${RAMP:-4000}" --timeout "$timeout" --stall "$stall" --ready-file "$ready" \
        >"$TMP/$name.load.json" 2>"$TMP/$name.load.log" &
    LOAD_PID=$!
    wait_for "[[ -e '$ready' ]] || ! kill -0 $LOAD_PID 2>/dev/null" $((streams / 1000 + 30)) || true
    local rss1 cpu0 t0 cpu1 t1 rss2
    rss1=$(rss_kb)
    cpu0=$(cpu_ticks) t0=$(now_s)
    "$PUB" "${pubargs[@]}" --count "$items" --rate "$rate" --inflight "$inflight" --pad "$pad" \
        >"$TMP/$name.pub.json" 2>"$TMP/$name.pub.log" || FAILED=1
    wait "$LOAD_PID" || FAILED=1
    LOAD_PID=""
    cpu1=$(cpu_ticks) t1=$(now_s) rss2=$(rss_kb)
    local cpu
    cpu=$(python3 -c "print(round(100*($cpu1-$cpu0)/$TICKS/max($t1-$t0,1e-9)))")
    local L="$TMP/$name.load.json" P="$TMP/$name.pub.json" dropped note=""
    dropped=$(dropped_streams)
    ((stall > 0)) && note=", dropped by the server: $((dropped - DROPPED_BEFORE))"
    DROPPED_BEFORE=$dropped
    ROWS+=("$(printf '%-18s %7s %7s %8s %8s %8s %9s %11s %6s %9s %5s %7s %s' "$name" \
        "$(json "$L" 'j["streams_connected"]')" "$items" \
        "$(json "$L" 'j["latency_ms"]["p50"]')" "$(json "$L" 'j["latency_ms"]["p99"]')" \
        "$(json "$L" 'j["latency_ms"]["max"]')" "$(json "$L" 'j["last_stream_ms"]["max"]')" \
        "$(json "$L" 'j["deliveries_per_s"]')" "$(json "$L" 'j["lost"]')" \
        "$(json "$P" 'j["publishes_per_s"]')" "$cpu" "$(((rss2 - rss0) / 1024))" \
        "$(json "$L" '"stalled: %d" % j["stalled"] if j["stalled"] else ""')$note")")
    if [[ $SMOKE == 1 ]]; then
        local complete lost
        complete=$(json "$L" 'j["streams_complete"]') lost=$(json "$L" 'j["lost"]')
        if [[ $complete != "$streams" || $lost != 0 ]]; then
            echo "$name: $complete of $streams streams complete, $lost lost" >&2
            cat "$L" "$P" >&2
            FAILED=1
        fi
    fi
}

# idle NAME STREAMS: holds STREAMS idle streams and reports server RSS per stream.
idle() {
    local name=$1 streams=$2
    selected "$name" || return 0
    NODES=$((NODES + 1))
    local node="n$NODES"
    "$PUB" --port "$C2S_PORT" --jid bench@localhost --password benchpw --service pubsub.localhost \
        --node "$node" --setup-only >/dev/null
    local ready="$TMP/$name.ready" rss0 rss1
    rss0=$(rss_kb)
    "$LOAD" --port "$HTTP_PORT" --path "/eventsource/$node" --streams "$streams" --events 0 \
        --ramp "${RAMP:-4000}" --hold 600 --ready-file "$ready" \
        >"$TMP/$name.load.json" 2>"$TMP/$name.load.log" &
    LOAD_PID=$!
    wait_for "[[ -e '$ready' ]] || ! kill -0 $LOAD_PID 2>/dev/null" $((streams / 500 + 30)) || true
    sleep 1 # let the last responses settle before reading RSS
    rss1=$(rss_kb)
    local up
    up=$(awk '{print $1}' "$ready" 2>/dev/null || echo 0)
    kill -TERM "$LOAD_PID" 2>/dev/null || true
    wait "$LOAD_PID" 2>/dev/null || true
    LOAD_PID=""
    ROWS+=("$(printf '%-18s %7s %7s %8s %8s %8s %9s %11s %6s %9s %5s %7s %s' "$name" "$up" 0 - - - - - - - - \
        "$(((rss1 - rss0) / 1024))" \
        "$(python3 -c "print('%.2f KiB/stream' % (($rss1-$rss0)/max($up,1)))")")")
}

# kernel_floor CONNECTIONS ROUNDS: the same writes with no server (bench/kernel_floor.cpp), on
# one thread and on two; one line under the table.
FLOOR_LINE=""
kernel_floor() {
    selected kernel-floor || return 0
    local one two
    one=$("$FLOOR" --connections "$1" --rounds "$2" --threads 1) || { FAILED=1; return; }
    two=$("$FLOOR" --connections "$1" --rounds "$2" --threads 2) || { FAILED=1; return; }
    FLOOR_LINE=$(python3 -c "
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print('kernel floor, no server: one write to each of %d loopback TCP sockets takes %.1f ms on 1 '
      'thread, %.1f ms on 2 (median round); %.1f us of CPU per write, reader included%s' % (
      a['connections'], a['round_ms']['median'], b['round_ms']['median'], a['cpu_us_per_write'],
      '' if a['received_all'] and b['received_all'] else '; NOT ALL RECEIVED'))" "$one" "$two")
    [[ $FLOOR_LINE != *"NOT ALL"* ]] || FAILED=1
}

if [[ $SMOKE == 1 ]]; then
    scenario smoke-pubsub pubsub 20 5 0 5 0 0
    scenario smoke-muc muc 5 3 0 3 0 0
    kernel_floor 50 2
elif [[ $SCALE == profile ]]; then
    # For CADENZA_BENCH_WRAP="valgrind --tool=callgrind": a small fan-out and a publish burst.
    scenario profile-fanout pubsub 200 100 0 20 0 0
    scenario profile-publish pubsub 1 1000 0 100 0 0
elif [[ $SCALE == full ]]; then
    idle idle 19000
    scenario fanout-1k pubsub 1000 20 1 1 0 0
    scenario fanout-10k pubsub 10000 20 1 1 0 0
    scenario one-stream pubsub 1 100 10 1 0 0
    scenario throughput-1k pubsub 1000 20000 0 200 0 0
    # The target's form: 1,000,000 deliveries/s (1,000 items/s to 1,000 streams) for 10 s.
    scenario throughput-1k-paced pubsub 1000 10000 1000 200 0 0
    scenario publish-path pubsub 1 20000 0 200 0 0
    scenario muc-fanout-1k muc 1000 20 1 1 0 0
    scenario muc-fanout-10k muc 10000 20 1 1 0 0
    scenario stalled-reader pubsub 11 20000 0 50 1024 1
    kernel_floor 9000 10
else
    idle idle 2000
    scenario fanout-200 pubsub 200 5 2 1 0 0
    scenario fanout-2k pubsub 2000 5 2 1 0 0
    scenario one-stream pubsub 1 20 10 1 0 0
    scenario throughput-200 pubsub 200 2000 0 100 0 0
    scenario publish-path pubsub 1 3000 0 100 0 0
    scenario muc-fanout-200 muc 200 5 2 1 0 0
    scenario stalled-reader pubsub 11 2000 0 50 4096 1
    kernel_floor 2000 5
fi

echo "Cadenza $(git -C "$SRC" describe --always --dirty 2>/dev/null || echo '?'), $(nproc) cores, SCALE=$SCALE, $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-18s %7s %7s %8s %8s %8s %9s %11s %6s %9s %5s %7s %s\n' scenario streams items \
    p50_ms p99_ms max_ms last_ms deliver/s lost publish/s cpu% rss+MB notes
for r in "${ROWS[@]}"; do echo "$r"; done
[[ -z $FLOOR_LINE ]] || echo "$FLOOR_LINE"
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "the server died during the run; its log:" >&2
    tail -20 "$TMP/server.log" >&2
    FAILED=1
fi
exit $FAILED
