import CChimera
import ChimeraPluginKit
import Crypto
import S3

/// Copies a byte range of one file into an open file: COPY_RANGE inside the
/// module when it can (and no digest is wanted), else 1 MiB reads and
/// writes, hashing on the way when the copy's MD5 is needed (an
/// UploadPartCopy's ETag).
final class S3DataCopier {
    static let chunk = 1 << 20

    private let client: S3VFSClient
    private let source: S3Handle
    private let destination: S3Handle
    private let destinationOpen: UInt64
    private var sourceOffset: UInt64
    private var destinationOffset: UInt64
    private var remaining: UInt64
    private var md5: Insecure.MD5?
    private var sourceOpen: UInt64 = 0
    private var buffer: UnsafeMutableRawBufferPointer?
    private let trampoline = VFSTrampoline()
    private var waiting = false
    private var completed = false
    private let done: (Result<[UInt8]?, S3Error>) -> Void

    init(
        client: S3VFSClient,
        source: S3Handle,
        offset: UInt64,
        length: UInt64,
        destination: S3Handle,
        destinationOpen: UInt64,
        at destinationOffset: UInt64,
        computeMD5: Bool,
        done: @escaping (Result<[UInt8]?, S3Error>) -> Void
    ) {
        self.client = client
        self.source = source
        self.destination = destination
        self.destinationOpen = destinationOpen
        sourceOffset = offset
        self.destinationOffset = destinationOffset
        remaining = length
        md5 = computeMD5 ? Insecure.MD5() : nil
        self.done = done
    }

    deinit { buffer?.deallocate() }

    func start() {
        guard remaining > 0 else {
            finish(.success(md5.map { Array($0.finalize()) }))
            return
        }
        if md5 == nil { copyInModule() } else { openSource() }
    }

    private func copyInModule() {
        client.copyRange(
            from: source,
            offset: sourceOffset,
            length: remaining,
            to: destination,
            openHandle: destinationOpen,
            at: destinationOffset
        ) { [self] reply in
            if reply.ok && reply.length > 0 {
                advance(by: reply.length)
                if remaining == 0 { finish(.success(nil)) } else { copyInModule() }
            } else if reply.ok || reply.status == .notSupported || reply.status == .crossDevice {
                openSource()
            } else {
                finish(.failure(S3StatusMapping.error(reply.status)))
            }
        }
    }

    private func advance(by count: UInt64) {
        sourceOffset += count
        destinationOffset += count
        remaining -= min(count, remaining)
    }

    private func openSource() {
        client.open(source, flags: CHIMERA_VFS_OPEN_READ) { [self] opened in
            guard opened.ok else {
                finish(.failure(S3StatusMapping.error(opened.status)))
                return
            }
            sourceOpen = opened.openHandle
            buffer = .allocate(byteCount: Self.chunk, alignment: 64)
            trampoline.run(step)
        }
    }

    /// One read and its write.
    private func step() {
        guard !waiting, !completed, let buffer else { return }
        guard remaining > 0 else {
            finish(.success(md5.map { Array($0.finalize()) }))
            return
        }
        waiting = true
        let want = Int(min(UInt64(Self.chunk), remaining))
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])
        client.read(source, openHandle: sourceOpen, offset: sourceOffset, into: target) { [self] read in
            guard read.ok, read.length > 0 else {
                finish(
                    .failure(
                        read.ok
                            ? S3Error(.internalError, "The copy source ended early.")
                            : S3StatusMapping.error(read.status)
                    )
                )
                return
            }
            let data = UnsafeRawBufferPointer(rebasing: buffer[0..<Int(read.length)])
            md5?.update(bufferPointer: data)
            client.write(destination, openHandle: destinationOpen, offset: destinationOffset, data: data) {
                [self] wrote in
                guard wrote.ok, wrote.length == read.length else {
                    finish(.failure(S3StatusMapping.error(wrote.ok ? .io : wrote.status)))
                    return
                }
                advance(by: read.length)
                waiting = false
                trampoline.run(step)
            }
        }
    }

    private func finish(_ result: Result<[UInt8]?, S3Error>) {
        guard !completed else { return }
        completed = true
        if sourceOpen != 0 { client.close(source, openHandle: sourceOpen) }
        done(result)
    }
}
