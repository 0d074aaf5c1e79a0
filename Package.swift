// swift-tools-version:6.2
//
// Chimera: one host daemon, storage backends and protocol front-ends as
// plugins behind a C ABI (include/). See README.md for the map.
//
// Plugins are `.dynamic` library products; SwiftPM names them
// `lib<product>.so` and the Makefile copies them to `build/lib/chimera/<product>.so`.
// C plugins are not built here: the Makefile builds them with `cc` against
// `include/` alone, as a third party would.

import PackageDescription

let ci = Context.environment["CI"] == "true"

var swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
if ci {
    swiftSettings.append(.treatAllWarnings(as: .error))
}

let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let coreMetrics: Target.Dependency = .product(name: "CoreMetrics", package: "swift-metrics")
let atomics: Target.Dependency = .product(name: "Atomics", package: "swift-atomics")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let collections: Target.Dependency = .product(name: "Collections", package: "swift-collections")

let package = Package(
    name: "chimera",
    products: [
        .executable(name: "chimera", targets: ["chimera"]),
        // Storage backends.
        .library(name: "chimera_vfs_memfs", type: .dynamic, targets: ["MemFS"]),
        .library(name: "chimera_vfs_linux", type: .dynamic, targets: ["LinuxVFS"]),
        .library(name: "chimera_vfs_io_uring", type: .dynamic, targets: ["IOUringVFS"]),
        // Protocol front-ends.
        .library(name: "chimera_proto_nfs", type: .dynamic, targets: ["NFSPlugin"]),
        .library(name: "chimera_proto_s3", type: .dynamic, targets: ["S3Plugin"]),
        .library(name: "chimera_proto_fuse", type: .dynamic, targets: ["FUSEPlugin"]),
        // A plugin that exists only for the loader's tests.
        .library(name: "chimera_vfs_swifttest", type: .dynamic, targets: ["SwiftTestPlugin"]),
        // The XDR code generator.
        .executable(name: "xdrgen", targets: ["xdrgen"]),
        // Libraries the micro-benchmarks (Benchmarks/micro) build against.
        .library(name: "XDR", targets: ["XDR"]),
        .library(name: "ONCRPC", targets: ["ONCRPC"]),
        .library(name: "NFS3", targets: ["NFS3"]),
        .library(name: "S3", targets: ["S3"]),
        .library(name: "ChimeraVFS", targets: ["ChimeraVFS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        // The public C ABI, as a Clang module over include/.
        .systemLibrary(name: "CChimera", path: "include"),

        // The executable: command line, start-up, shutdown. Thin.
        .executableTarget(
            name: "chimera",
            dependencies: [
                "ChimeraHost",
                "ChimeraVFS",
                "VFSConformance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                logging,
                metrics,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),

        // Config, plugin loader, transports, thread pools, metrics.
        .target(
            name: "ChimeraHost",
            dependencies: [
                "CChimera", "CChimeraRCU", "ChimeraVFS", nioCore, nioPosix, nioHTTP1, logging, coreMetrics, metrics, atomics,
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // The VFS core: namespace, handles, dispatch, caches.
        .target(
            name: "ChimeraVFS",
            dependencies: ["CChimera", "CChimeraRCU", "ChimeraPluginKit", logging, coreMetrics, atomics, crypto, collections],
            swiftSettings: swiftSettings
        ),

        // The caches' lock-free read side: liburcu's RCU hash table, in C.
        .target(
            name: "CChimeraRCU",
            linkerSettings: [.linkedLibrary("urcu-bp"), .linkedLibrary("urcu-cds"), .linkedLibrary("urcu-common")]
        ),

        // The module conformance kit behind `chimera vfs-test`.
        .target(
            name: "VFSConformance",
            dependencies: ["CChimera", "ChimeraPluginKit", "ChimeraVFS", "ChimeraHost", logging],
            swiftSettings: swiftSettings
        ),

        // Idiomatic Swift over the C ABI, for plugins written in Swift.
        .target(
            name: "ChimeraPluginKit",
            dependencies: ["CChimera"],
            swiftSettings: swiftSettings
        ),

        // Pure protocol code: no sockets, no dlopen.
        .target(name: "XDR", swiftSettings: swiftSettings),
        .executableTarget(name: "xdrgen", swiftSettings: swiftSettings),
        .target(name: "ONCRPC", dependencies: ["XDR"], swiftSettings: swiftSettings),
        .target(name: "NFS3", dependencies: ["XDR", "ONCRPC"], swiftSettings: swiftSettings),
        .target(name: "S3", dependencies: [crypto], swiftSettings: swiftSettings),
        // The FUSE low-level protocol (linux/fuse.h): messages, codec, session; shared by /dev/fuse and virtio-fs.
        .target(name: "FUSE", swiftSettings: swiftSettings),

        // C shims for Linux calls Glibc does not expose to Swift.
        .target(name: "CLinuxShims", path: "Plugins-src/vfs/shims"),
        .systemLibrary(
            name: "CLibURing",
            path: "Plugins-src/vfs/io_uring/CLibURing",
            pkgConfig: "liburing",
            providers: [.apt(["liburing-dev"])]
        ),

        // Storage backends.
        .target(
            name: "MemFS",
            dependencies: ["ChimeraPluginKit", "CChimera", collections],
            path: "Plugins-src/vfs/memfs",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LinuxVFS",
            dependencies: ["ChimeraPluginKit", "CChimera", "CLinuxShims", "PosixVFS"],
            path: "Plugins-src/vfs/linux",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "IOUringVFS",
            dependencies: ["ChimeraPluginKit", "CChimera", "CLinuxShims", "CLibURing", "PosixVFS"],
            path: "Plugins-src/vfs/io_uring",
            exclude: ["CLibURing"],
            swiftSettings: swiftSettings
        ),
        // What the linux and io_uring modules share: confinement, handles, stat mapping.
        .target(
            name: "PosixVFS",
            dependencies: ["ChimeraPluginKit", "CChimera", "CLinuxShims", crypto],
            path: "Plugins-src/vfs/posix",
            swiftSettings: swiftSettings
        ),

        // Protocol front-ends.
        .target(
            name: "NFSPlugin",
            dependencies: ["ChimeraPluginKit", "CChimera", "XDR", "ONCRPC", "NFS3"],
            path: "Plugins-src/proto/nfs",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "S3Plugin",
            dependencies: ["ChimeraPluginKit", "CChimera", "S3", crypto],
            path: "Plugins-src/proto/s3",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "FUSEPlugin",
            dependencies: ["ChimeraPluginKit", "CChimera", "FUSE"],
            path: "Plugins-src/proto/fuse",
            swiftSettings: swiftSettings
        ),

        // Loader test plugin (Swift); its C sibling is built by the Makefile.
        .target(
            name: "SwiftTestPlugin",
            dependencies: ["ChimeraPluginKit", "CChimera"],
            path: "Tests/plugins/swift",
            swiftSettings: swiftSettings
        ),

        // Unit tests.
        .testTarget(
            name: "ChimeraHostTests",
            dependencies: ["ChimeraHost", nioCore, nioPosix, .product(name: "NIOEmbedded", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ChimeraVFSTests", dependencies: ["ChimeraVFS"], swiftSettings: swiftSettings),
        .testTarget(name: "XDRTests", dependencies: ["XDR"], swiftSettings: swiftSettings),
        .testTarget(name: "ONCRPCTests", dependencies: ["ONCRPC", "XDR"], swiftSettings: swiftSettings),
        .testTarget(name: "NFS3Tests", dependencies: ["NFS3", "ONCRPC", "XDR"], swiftSettings: swiftSettings),
        .testTarget(name: "S3Tests", dependencies: ["S3"], swiftSettings: swiftSettings),
        .testTarget(name: "FUSETests", dependencies: ["FUSE"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PosixVFSTests",
            dependencies: ["PosixVFS", "ChimeraPluginKit", "CChimera", "CLinuxShims"],
            swiftSettings: swiftSettings
        ),
    ]
)
