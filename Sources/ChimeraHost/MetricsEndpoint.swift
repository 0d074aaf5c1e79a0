import NIOCore
import NIOHTTP1
import NIOPosix

/// `GET /metrics` in Prometheus text format on `server.metrics_port`.
enum MetricsEndpoint {
    static func bind(
        group: MultiThreadedEventLoopGroup, host: String, port: Int, render: @escaping @Sendable () -> ByteBuffer
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(Handler(render: render))
                }
            }
            .bind(host: host, port: port).get()
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let render: @Sendable () -> ByteBuffer
        var head: HTTPRequestHead?

        init(render: @escaping @Sendable () -> ByteBuffer) { self.render = render }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h
            case .body: break
            case .end:
                guard let head else { return }
                let ok = head.method == .GET && (head.uri == "/metrics" || head.uri.hasPrefix("/metrics?"))
                let body = ok ? render() : ByteBuffer(string: "not found\n")
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: ok ? "text/plain; version=0.0.4" : "text/plain")
                headers.add(name: "content-length", value: String(body.readableBytes))
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: ok ? .ok : .notFound, headers: headers))),
                    promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                self.head = nil
            }
        }
    }
}
