public import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `/metrics` in the Prometheus text format, from swift-metrics through swift-prometheus.
public enum MetricsServer {
    /// The process's registry; the first use routes swift-metrics to it (once per process),
    /// so it must come before any metric is made.
    private static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Routes swift-metrics to Prometheus (when not done yet).
    public static func bootstrap() {
        _ = registry
    }

    /// Adds `GET /metrics` to `router`, for a service that serves HTTP itself.
    public static func addRoute<Context: RequestContext>(to router: Router<Context>) {
        bootstrap()
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    /// The HTTP service that serves `/metrics` on `port`, on every interface so a Prometheus
    /// server can scrape it.
    static func service(port: Int, logger: Logger) -> any Service {
        let router = Router()
        addRoute(to: router)
        return Application(router: router, configuration: .init(address: .hostname("0.0.0.0", port: port)), logger: logger)
    }
}
