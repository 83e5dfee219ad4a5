import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `/metrics` in the Prometheus text format, from swift-metrics through swift-prometheus.
enum MetricsServer {
    /// Routes swift-metrics to a Prometheus registry (once per process) and returns the HTTP
    /// service that serves it on `port`, on every interface so a Prometheus server can scrape it.
    static func bootstrap(port: Int, logger: Logger) -> any Service {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        return Application(router: router, configuration: .init(address: .hostname("0.0.0.0", port: port)), logger: logger)
    }
}
