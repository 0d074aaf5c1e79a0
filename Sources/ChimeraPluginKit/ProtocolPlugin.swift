import CChimera

/// What a front-end tells the host before init.
public struct ProtocolPluginDescriptor: Sendable {
    public var name: String
    public var description: String

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }
}

/// The config a front-end receives: its own object and the whole document.
public struct ProtocolPluginConfig: Sendable {
    /// `server.protocols.<name>` as JSON text.
    public var config: String
    /// The whole config document (mounts, shares, buckets).
    public var document: String
    /// Where the document came from, for messages.
    public var path: String
}

/// What the host tells a front-end about a new connection.
public struct ConnectionInfo: Sendable {
    public var threadIndex: UInt32
    public var listenerArg: UInt
    public var peerAddress: String
    public var peerPort: UInt16
    public var localPort: UInt16
    public var connectionID: UInt64
}

/// A protocol front-end written in Swift.
///
/// Export it with one public C entry point:
///
/// ```swift
/// @c public func chimera_protocol_module_v1() -> UnsafePointer<chimera_protocol_module> {
///     ProtocolPluginExport.entry(NFSPlugin.self)
/// }
/// ```
///
/// See `include/chimera_protocol.h` for the life cycle. Every connection
/// callback comes on the connection's loop.
public protocol ProtocolPlugin: AnyObject {
    associatedtype ThreadState: AnyObject
    associatedtype Connection: ProtocolConnection

    static var descriptor: ProtocolPluginDescriptor { get }

    /// Validate config and ask for listeners (``PluginHost/listen(_:)``).
    init(host: PluginHost, config: ProtocolPluginConfig) throws(PluginError)

    func threadStarted(index: UInt32) -> ThreadState
    func threadStopped(_ thread: ThreadState)

    /// A client connected; nil refuses it.
    func connectionOpened(_ connection: PluginConnection, info: ConnectionInfo, thread: ThreadState) -> Connection?

    /// Shutdown started on this loop: finish in-flight work, close idle
    /// connections.
    func drain(_ thread: ThreadState)

    func shutdown()

    /// The core breaks a lease this front-end took for one of its clients
    /// (on the client's loop). Front-ends that ask for leases implement it.
    func leaseBreak(_ notice: LeaseBreak)
}

extension ProtocolPlugin {
    public func threadStopped(_ thread: ThreadState) {}
    public func drain(_ thread: ThreadState) {}
    public func shutdown() {}
    /// A front-end that takes no leases is never asked to break one.
    public func leaseBreak(_ notice: LeaseBreak) {}
}

/// One connection's protocol state.
public protocol ProtocolConnection: AnyObject {
    /// One framed message; release it when its bytes are no longer needed.
    func received(_ message: PluginMessage)
    /// The transport is gone. Release the connection once in-flight work
    /// is done.
    func closed()
}

/// A listener to ask for during init.
public struct ListenerRequest: Sendable {
    public enum Framing: UInt32, Sendable {
        case rpcRecord = 1
        case lengthPrefix = 2
        case http1 = 3
    }

    public var name: String
    public var framing: Framing
    public var port: UInt16
    public var bindAddress: String?
    public var maxMessage: UInt32
    /// Handed back in ``ConnectionInfo/listenerArg``.
    public var tag: UInt

    public init(name: String, framing: Framing, port: UInt16, bindAddress: String? = nil, maxMessage: UInt32 = 0, tag: UInt = 0) {
        self.name = name
        self.framing = framing
        self.port = port
        self.bindAddress = bindAddress
        self.maxMessage = maxMessage
        self.tag = tag
    }
}

extension PluginHost {
    /// Ask for a listener (only during init).
    public func listen(_ request: ListenerRequest) throws(PluginError) {
        var error = [CChar](repeating: 0, count: 512)
        let rc = request.name.withCString { name in
            withOptionalCString(request.bindAddress) { address in
                var config = chimera_listener_config(
                    struct_size: UInt32(MemoryLayout<chimera_listener_config>.size), framing: request.framing.rawValue,
                    bind_address: address, port: request.port, reserved: 0, max_message: request.maxMessage,
                    listener_arg: UnsafeMutableRawPointer(bitPattern: request.tag), name: name)
                return error.withUnsafeMutableBufferPointer { raw.pointee.listen(raw, &config, $0.baseAddress, $0.count) }
            }
        }
        guard rc == 0 else {
            throw PluginError(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}

func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}
