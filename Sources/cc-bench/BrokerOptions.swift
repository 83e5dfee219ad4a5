import ArgumentParser

/// The broker every benchmark runs against (`--mqtt-host`, `--mqtt-port`).
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("mqtt-host"), help: "Broker host.")
    var host = "127.0.0.1"

    @Option(name: .customLong("mqtt-port"), help: "Broker port.")
    var port = 1883
}
