import ArgumentParser
import CChimera
import ChimeraHost

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version and the plugin ABI versions.")

    func run() {
        print("chimera \(ChimeraVersion.string)")
        print("vfs module ABI \(CHIMERA_VFS_ABI_MAJOR).\(CHIMERA_VFS_ABI_MINOR)")
        print("protocol plugin ABI \(CHIMERA_PROTOCOL_ABI_MAJOR).\(CHIMERA_PROTOCOL_ABI_MINOR)")
        print("host services ABI \(CHIMERA_HOST_ABI_MAJOR).\(CHIMERA_HOST_ABI_MINOR)")
    }
}
