import CChimera

/// What the core keeps in a request's `host_scratch` while it owns it.
///
/// Sixteen words, so routing a request needs no allocation. Modules never
/// touch this area (chimera_vfs.h).
enum Scratch {
    /// The front-end's completion and caller_data, restored before it runs.
    static let frontComplete = 0
    static let frontCallerData = 1
    /// 1 + index of the mount the request went to (0: the namespace root).
    static let mount = 2
    static let flags = 3
    /// Version-table keys and the stamps recorded at dispatch.
    static let key1 = 4
    static let stamp1 = 5
    static let key2 = 6
    static let stamp2 = 7
    /// The mount's mutation counter at dispatch.
    static let mountStamp = 8
    /// When the core took the request (monotonic ns).
    static let started = 9
    /// The open-file cache entry a stateless READ/WRITE borrowed, the
    /// front-end's readdir emit function, or the file a RENAME replaces.
    static let borrowed = 10
    /// The core (Unmanaged<VFSCore>).
    static let core = 11
    /// The in-flight list (per loop) for the watchdog and drain.
    static let prev = 12
    static let next = 13
    /// For internal requests: Unmanaged<InternalCompletion>.
    static let internalCompletion = 14
    /// The front-end's original op when the core rewrote it (fallbacks).
    static let originalOp = 15
}

/// Bits of `Scratch.flags`.
struct RequestFlags: OptionSet {
    var rawValue: UInt64
    /// req->fh was advanced past the mount id.
    static let strippedHandle = RequestFlags(rawValue: 1 << 0)
    /// The op's second handle (rename's new dir, link's dir, copy's
    /// destination) was advanced past the mount id.
    static let strippedSecond = RequestFlags(rawValue: 1 << 1)
    /// Linked in its loop's in-flight list.
    static let inFlight = RequestFlags(rawValue: 1 << 2)
    /// Issued by the core itself (fallbacks, stateless opens, closes).
    static let `internal` = RequestFlags(rawValue: 1 << 3)
    /// The watchdog already reported it.
    static let reported = RequestFlags(rawValue: 1 << 4)
    /// The op mutates: key1/key2 were bumped at dispatch.
    static let mutation = RequestFlags(rawValue: 1 << 5)
    /// key1 / key2 are in use.
    static let hasKey1 = RequestFlags(rawValue: 1 << 6)
    static let hasKey2 = RequestFlags(rawValue: 1 << 7)
    /// The front-end's readdir emit is in `Scratch.borrowed`.
    static let wrappedEmit = RequestFlags(rawValue: 1 << 8)
    /// A stateless I/O borrowed an open-file entry (`Scratch.borrowed`).
    static let borrowedOpen = RequestFlags(rawValue: 1 << 9)
    /// Dispatched to the delegation pool.
    static let delegated = RequestFlags(rawValue: 1 << 10)
    /// Sent straight to a module, bypassing routing (MOUNT).
    static let direct = RequestFlags(rawValue: 1 << 11)
    /// The core checked the caller's permissions, or issued the request
    /// itself on an authorized caller's behalf: route it unchecked. The
    /// one flag ``VFSCore/submit(_:)`` keeps.
    static let authorized = RequestFlags(rawValue: 1 << 12)
    /// The core made a creating OPEN_AT exclusive because the name was
    /// absent when it checked; EXIST means another creator won the race.
    static let exclusiveAdded = RequestFlags(rawValue: 1 << 13)
    /// The check already ran again after such a race.
    static let authorizationRetried = RequestFlags(rawValue: 1 << 14)
    /// Waiting in the open-state table (a lock, or for lease breaks).
    static let parked = RequestFlags(rawValue: 1 << 15)
    /// The name a RENAME / replacing LINK overwrites was looked up.
    static let replacedLookedUp = RequestFlags(rawValue: 1 << 16)
    /// ...and names a file: Unmanaged<ReplacedTarget> in `Scratch.borrowed`.
    static let replacedTarget = RequestFlags(rawValue: 1 << 17)
}

enum RequestLayout {
    static let scratchOffset = MemoryLayout<chimera_vfs_request>.offset(of: \chimera_vfs_request.host_scratch)!
    static let size = MemoryLayout<chimera_vfs_request>.size
    /// Where the trailer starts: past the request, aligned for it.
    static let trailerOffset =
        (size + MemoryLayout<RequestTrailer>.alignment - 1) / MemoryLayout<RequestTrailer>.alignment
        * MemoryLayout<RequestTrailer>.alignment
    static let allocatedSize = trailerOffset + MemoryLayout<RequestTrailer>.size
}

/// What the host keeps behind every request it allocates, past the
/// `struct_size` it tells plugins: room for a full credential when a 1.0
/// front-end submits one of the 1.0 shape (chimera_common.h).
struct RequestTrailer {
    var legacyCredential: Bool
    var credential: chimera_cred
}

extension UnsafeMutablePointer where Pointee == chimera_vfs_request {
    @inline(__always)
    var scratch: UnsafeMutablePointer<UInt64> {
        UnsafeMutableRawPointer(self).advanced(by: RequestLayout.scratchOffset).assumingMemoryBound(to: UInt64.self)
    }

    @inline(__always)
    var trailer: UnsafeMutablePointer<RequestTrailer> {
        (UnsafeMutableRawPointer(self) + RequestLayout.trailerOffset).assumingMemoryBound(to: RequestTrailer.self)
    }

    @inline(__always)
    var flags: RequestFlags {
        get { RequestFlags(rawValue: scratch[Scratch.flags]) }
        nonmutating set { scratch[Scratch.flags] = newValue.rawValue }
    }

    /// The object handle as bytes.
    @inline(__always)
    var handleBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: pointee.fh, count: Int(pointee.fh_len))
    }

    /// The result handle as bytes.
    @inline(__always)
    var resultHandleBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(
            start: UnsafeMutableRawPointer(self).advanced(by: ResultLayout.fhOffset),
            count: Int(pointee.r_fh_len))
    }

    @inline(__always)
    var resultHandlePointer: UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(self).advanced(by: ResultLayout.fhOffset)
    }
}

enum ResultLayout {
    static let fhOffset = MemoryLayout<chimera_vfs_request>.offset(of: \chimera_vfs_request.r_fh)!
}
