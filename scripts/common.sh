# Shared by the scripts in this folder: the project root, Swift on PATH, and the
# Debian packages every command needs (installed only when missing).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "error: Swift 6 is not installed (swift is not on PATH)" >&2
    exit 1
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# mosquitto (the broker), its client library and headers for the CMosquitto module,
# libsqlite3-dev (GRDB, for the services' databases), pkg-config (SwiftPM finds libmosquitto
# through it), openssl (test certificates).
install_debian_packages() {
    local missing=()
    for package in mosquitto mosquitto-clients libmosquitto-dev libsqlite3-dev pkg-config openssl "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "==> installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    # A broker started by the package's own service would hold port 1883; ours are started by hand.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
        as_root systemctl stop mosquitto || true
    fi
}
