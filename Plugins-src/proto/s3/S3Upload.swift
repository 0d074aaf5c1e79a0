import CChimera
import ChimeraPluginKit
import S3

/// A request body streamed into a staging file: each body chunk is decoded
/// as it arrives (digests, aws-chunked framing, signatures) and its payload
/// written straight from the received message, which is released when its
/// last write completes. Past `window` bytes on their way to the VFS the
/// connection stops reading until the writes drain to half of it.
///
/// The staging file may open after the first chunks arrived (bucket
/// resolution is asynchronous): chunks wait, counted against the window.
/// Nothing is published here: on success the owner gets the open file and
/// the verified body summary, renames it into place and calls ``close()``;
/// on failure or disconnect the staging file is removed.
final class S3Upload {
    struct Finished {
        var staged: S3StagedFile
        var summary: S3BodySummary
    }

    /// One message's payload waiting for (or in) a WRITE.
    private struct Pending {
        var hold: S3MessageHold
        var range: Range<Int>
        var offset: UInt64
    }

    private let connection: S3Connection
    /// Who the staging file is made and written as: the exchange's client,
    /// given to ``open(in:name:as:)`` once the bucket (and so the credential
    /// of an unmapped key) is known.
    private var client: S3VFSClient
    private var body: S3RequestBody
    private let window: Int
    private var queue: [Pending] = []
    private var queueHead = 0
    private var decoded: UInt64 = 0
    private var held = 0
    private var writing = 0
    private var paused = false
    private var inputEnded = false
    private var summary: S3BodySummary?
    private var failure: S3Error?
    private var reported = false
    private var directory: S3Handle?
    private var name = ""
    private var file: S3Handle?
    private var openHandle: UInt64 = 0
    private var opening = false
    private var cleaned = false
    private var published = false
    private let completion: (Result<Finished, S3Error>) -> Void

    init(
        connection: S3Connection,
        body: S3RequestBody,
        window: Int,
        completion: @escaping (Result<Finished, S3Error>) -> Void
    ) {
        self.connection = connection
        self.client = connection.client
        self.body = body
        self.window = window
        self.completion = completion
    }

    /// Create the staging file `name` in `directory` as `client` and start writing.
    func open(in directory: S3Handle, name: String, as client: S3VFSClient) {
        guard failure == nil else { return }
        self.client = client
        self.directory = directory
        self.name = name
        opening = true
        let flags = CHIMERA_VFS_OPEN_WRITE | CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_EXCLUSIVE
        client.openAt(name, in: directory, flags: flags, hidden: true) { [self] reply in
            opening = false
            if reply.ok {
                file = reply.handle
                openHandle = reply.openHandle
            }
            if failure != nil {
                cleanUp()
                return
            }
            guard reply.ok else {
                fail(S3StatusMapping.error(reply.status))
                return
            }
            pump()
        }
    }

    // MARK: Input

    func receive(_ message: PluginMessage) {
        guard failure == nil, let bytes = message.contiguousBytes else {
            message.release()
            if failure == nil { fail(S3Error(.internalError)) }
            return
        }
        let hold = S3MessageHold(message)
        var cursor = 0
        do throws(S3Error) {
            // Bounded: every step consumes input or reports the slice used up.
            for _ in 0...(bytes.count + 1) {
                guard case .payload(let range) = try body.next(bytes, cursor: &cursor) else { break }
                guard !range.isEmpty else { continue }
                hold.retain()
                queue.append(Pending(hold: hold, range: range, offset: decoded))
                decoded += UInt64(range.count)
                held += range.count
            }
        } catch {
            hold.release()
            fail(error)
            return
        }
        hold.release()
        if held > window && !paused {
            paused = true
            connection.setReadEnabled(false)
        }
        pump()
    }

    func endOfInput() {
        guard failure == nil else { return }
        inputEnded = true
        do throws(S3Error) {
            summary = try body.finish()
        } catch {
            fail(error)
            return
        }
        reportIfDone()
    }

    /// The connection went away: stop, and remove the staging file.
    func abort() {
        guard failure == nil else { return }
        failure = S3Error(.incompleteBody, "The connection closed before the body ended.")
        reported = true
        dropQueue()
        cleanUp()
    }

    // MARK: Writing

    private func pump() {
        guard failure == nil, let file else { return }
        while queueHead < queue.count {
            let item = queue[queueHead]
            queueHead += 1
            writing += 1
            let data = item.hold.bytes(item.range)
            client.write(file, openHandle: openHandle, offset: item.offset, data: data) { [self] reply in
                writing -= 1
                held -= item.range.count
                item.hold.release()
                if paused && held <= window / 2 {
                    paused = false
                    connection.setReadEnabled(true)
                }
                if failure != nil {
                    cleanUp()
                    return
                }
                guard reply.ok, reply.length == UInt64(item.range.count) else {
                    fail(
                        reply.ok
                            ? S3Error(.internalError, "A write stored fewer bytes than asked.")
                            : S3StatusMapping.error(reply.status)
                    )
                    return
                }
                reportIfDone()
            }
        }
        queue.removeAll(keepingCapacity: true)
        queueHead = 0
        reportIfDone()
    }

    private func reportIfDone() {
        guard !reported, failure == nil, inputEnded, let summary, let file, let directory, writing == 0,
            queueHead >= queue.count
        else { return }
        reported = true
        if paused {
            paused = false
            connection.setReadEnabled(true)
        }
        // The staging file is the owner's from here on.
        published = true
        let staged = S3StagedFile(client: client, directory: directory, name: name, file: file, openHandle: openHandle)
        completion(.success(Finished(staged: staged, summary: summary)))
    }

    // MARK: Endings

    func fail(_ error: S3Error) {
        guard failure == nil else { return }
        failure = error
        dropQueue()
        if paused {
            paused = false
            connection.setReadEnabled(true)
        }
        if !reported {
            reported = true
            completion(.failure(error))
        }
        cleanUp()
    }

    private func dropQueue() {
        while queueHead < queue.count {
            held -= queue[queueHead].range.count
            queue[queueHead].hold.release()
            queueHead += 1
        }
        queue.removeAll()
        queueHead = 0
    }

    /// Close and remove the staging file once no write is in flight.
    private func cleanUp() {
        guard !cleaned, !published, !opening, writing == 0 else { return }
        cleaned = true
        guard let file, let directory else { return }
        client.close(file, openHandle: openHandle)
        client.remove(name, in: directory, hidden: true) { _ in }
    }
}
