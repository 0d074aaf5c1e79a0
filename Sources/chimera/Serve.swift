import ArgumentParser
import ChimeraHost
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a config in the foreground until SIGTERM or SIGINT.")

    @Option(name: .long, help: "The JSON config file.")
    var config: String

    func run() async throws {
        let parsed: ServerConfig
        do {
            parsed = try ServerConfig.load(file: config, defaultPluginDirectory: ConfigPaths.defaultPluginDirectory)
        } catch {
            fail(with: error)
        }
        let logger = LoggingSetup.bootstrap(level: parsed.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let server = ServerService(config: parsed, logger: logger, registry: registry)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch let error as ChimeraError {
            fail(with: error)
        }
        logger.info("stopped")
    }
}

/// The server as a swift-service-lifecycle service: start every plugin,
/// serve until graceful shutdown, then drain and stop in reverse order.
final class ServerService: Service, @unchecked Sendable {
    let config: ServerConfig
    let logger: Logger
    let registry: PrometheusCollectorRegistry

    init(config: ServerConfig, logger: Logger, registry: PrometheusCollectorRegistry) {
        self.config = config
        self.logger = logger
        self.registry = registry
    }

    func run() async throws {
        if config.rdma {
            logger.warning("\(RDMADevices.warning(devices: RDMADevices.names()))")
        }
        if config.protocolsDefaulted {
            for entry in config.protocols {
                let ports = entry.ports.map { "\($0.key.split(separator: ".").last ?? "")=\($0.port)" }
                logger.notice(
                    "no server.protocols: starting installed front-end \(entry.name) on its standard ports",
                    metadata: ["protocol": "\(entry.name)", "ports": "\(ports.joined(separator: " "))"])
            }
        }
        if !config.protocols.contains(where: { $0.name == "smb" }) {
            for share in config.shares {
                logger.notice(
                    "share \(share.name) (\(share.path)) is not served: no SMB front-end is installed",
                    metadata: ["share": "\(share.name)", "path": "\(share.path)"])
            }
        }
        let host = ChimeraServer(config: config, logger: logger)
        let registry = self.registry
        do {
            try await host.load()
            try await host.bind {
                var bytes: [UInt8] = []
                registry.emit(into: &bytes)
                return ByteBuffer(bytes: bytes)
            }
        } catch {
            await host.stop(drainTimeout: .zero)
            throw error
        }
        logger.notice(
            "serving", metadata: ["config": "\(config.file)", "threads": "\(config.threads)"])
        try? await gracefulShutdown()
        logger.notice("shutting down: draining connections")
        await host.stop()
    }
}
