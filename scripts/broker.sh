# Shared by scripts/demo and scripts/bench: start_broker PORT DATA_DIR starts mosquitto
# from Deploy/mosquitto/dev.conf in the background (BROKER_PID) and waits until it accepts
# connections; stop_broker stops it.

start_broker() {
    local port="$1" data="$2"
    mkdir -p "$data"
    sed -e "s|\${PORT}|$port|g" -e "s|\${DATA}|$data|g" "$ROOT/Deploy/mosquitto/dev.conf" > "$data/mosquitto.conf"
    mosquitto -c "$data/mosquitto.conf" > "$data/mosquitto.log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 1 100); do
        if mosquitto_pub -h 127.0.0.1 -p "$port" -t "cc/broker-check" -n >/dev/null 2>&1; then
            return 0
        fi
        if ! kill -0 "$BROKER_PID" 2>/dev/null; then
            echo "error: mosquitto did not start on port $port:" >&2
            cat "$data/mosquitto.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "error: mosquitto does not accept connections on 127.0.0.1:$port" >&2
    exit 1
}

stop_broker() {
    if [ -n "${BROKER_PID:-}" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill -TERM "$BROKER_PID" && wait "$BROKER_PID" 2>/dev/null || true
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
