// swift-tools-version:6.1
//
// Chimera's micro-benchmarks (ordo-one/benchmark): the per-request costs under the end-to-end figures of
// `make bench` — XDR decode/encode of NFS calls and replies, SigV4 verification, VFS cache lookups.
//
//   cd Benchmarks/micro && swift package benchmark                   # all suites
//   swift package benchmark --target VFSCaches                        # one suite
//   swift package benchmark baseline update main; ... baseline compare main
//
// A separate package so the root build never pulls in the benchmark tooling. It uses the root package's
// library products XDR, ONCRPC, NFS3, S3 and ChimeraVFS.

import PackageDescription

// A path dependency's identity is its directory's name, lower-cased, and checkouts name it differently
// ("main", "chimera", a CI clone's): read it from where this package sits (Benchmarks/micro in the root).
let rootIdentity: String = {
    let parts = Context.packageDirectory.split(separator: "/")
    return parts.count >= 3 ? parts[parts.count - 3].lowercased() : "chimera"
}()

func root(_ product: String) -> Target.Dependency { .product(name: product, package: rootIdentity) }

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let benchmark: Target.Dependency = .product(name: "Benchmark", package: "benchmark")
let plugin: Target.PluginUsage = .plugin(name: "BenchmarkPlugin", package: "benchmark")

let package = Package(
    name: "chimera-micro-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "XDRCodec",
            dependencies: [benchmark, root("XDR"), root("ONCRPC"), root("NFS3")],
            path: "Benchmarks/XDRCodec",
            swiftSettings: swiftSettings,
            plugins: [plugin]
        ),
        .executableTarget(
            name: "SigV4",
            dependencies: [benchmark, root("S3")],
            path: "Benchmarks/SigV4",
            swiftSettings: swiftSettings,
            plugins: [plugin]
        ),
        .executableTarget(
            name: "VFSCaches",
            dependencies: [benchmark, root("ChimeraVFS")],
            path: "Benchmarks/VFSCaches",
            swiftSettings: swiftSettings,
            plugins: [plugin]
        ),
    ]
)
