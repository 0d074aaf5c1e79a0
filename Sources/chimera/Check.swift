import ArgumentParser
import ChimeraHost
import Logging

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a config: load and initialise every plugin and mount, then exit.")

    @Option(name: .long, help: "The JSON config file.")
    var config: String

    func run() async throws {
        let parsed: ServerConfig
        do {
            parsed = try ServerConfig.load(file: config, defaultPluginDirectory: ConfigPaths.defaultPluginDirectory)
        } catch {
            fail(with: error)
        }
        let logger = LoggingSetup.bootstrap(level: "warning")
        let host = ChimeraServer(config: parsed, logger: logger)
        do {
            try await host.load()
        } catch {
            await host.stop(drainTimeout: .zero)
            fail(with: error)
        }
        await host.stop(drainTimeout: .zero)
        print(
            "\(config): OK (\(parsed.modules.count) VFS modules, \(parsed.protocols.count) protocols, \(parsed.mounts.count) mounts)"
        )
    }
}
