import ArgumentParser
import ChimeraHost

/// `chimera`: the Chimera NAS server.
@main
struct Chimera: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chimera",
        abstract: "A userspace NAS server: one namespace over NFSv3 and S3, storage and protocols as plugins.",
        version: ChimeraVersion.string,
        subcommands: [Serve.self, Check.self, Version.self, VFSTest.self]
    )
}
