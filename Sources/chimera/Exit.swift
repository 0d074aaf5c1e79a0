import ChimeraHost
import Glibc

/// Print one line for a failure and exit with its code (sysexits).
func fail(with error: ChimeraError) -> Never {
    let line = Array("chimera: \(error.message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(error.exitCode)
}
