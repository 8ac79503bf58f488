import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// `GET /metrics` on 127.0.0.1 only: the Prometheus text exposition of `registry`, one
/// request per connection. What a peer may send is bounded: a request head of at most
/// ``RequestHeadLimiter/maximumBytes`` (else 431), a malformed one gets 400, another path
/// 404, another method 405, and a connection is closed after
/// ``MetricsEndpoint/connectionTimeout`` whatever it did meanwhile.
struct MetricsEndpoint: Sendable {
  /// How long a connection may stay open, idle or not.
  static let connectionTimeout = TimeAmount.seconds(10)

  let channel: any Channel
  /// The port bound (the one asked for, or the one the system chose for 0).
  let port: Int

  /// Binds 127.0.0.1:`port` (0: any free port) and starts serving.
  static func start(port: Int, registry: PrometheusCollectorRegistry) async throws
    -> MetricsEndpoint
  {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          let timeout = channel.eventLoop.scheduleTask(in: connectionTimeout) {
            channel.close(promise: nil)
          }
          channel.closeFuture.whenComplete { _ in timeout.cancel() }
          try channel.pipeline.syncOperations.addHandler(RequestHeadLimiter())
          try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
          try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
          try channel.pipeline.syncOperations.addHandler(HTTPServerProtocolErrorHandler())
          try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(registry: registry))
        }
      }
      .bind(host: "127.0.0.1", port: port).get()
    return MetricsEndpoint(channel: channel, port: channel.localAddress?.port ?? port)
  }

  /// Stops listening.
  func close() async {
    try? await channel.close()
  }
}

/// Answers one request per connection, then closes it.
final class MetricsHTTPHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let registry: PrometheusCollectorRegistry
  /// The answer chosen from the head, sent at the request's end.
  private var pending: (status: HTTPResponseStatus, isHead: Bool)?

  init(registry: PrometheusCollectorRegistry) {
    self.registry = registry
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
      if head.method != .GET && head.method != .HEAD {
        pending = (.methodNotAllowed, false)
      } else if path != "/metrics" {
        pending = (.notFound, head.method == .HEAD)
      } else {
        pending = (.ok, head.method == .HEAD)
      }
    case .body:
      break  // a GET has no body to read; it is dropped
    case .end:
      guard let (status, isHead) = pending else { return }
      pending = nil
      respond(context: context, status: status, isHead: isHead)
    }
  }

  /// A malformed request: `HTTPServerProtocolErrorHandler` has answered 400; the connection
  /// goes.
  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    context.close(promise: nil)
  }

  private func respond(context: ChannelHandlerContext, status: HTTPResponseStatus, isHead: Bool) {
    let body: ByteBuffer
    var headers = HTTPHeaders()
    headers.add(name: "Connection", value: "close")
    if status == .ok {
      body = ByteBuffer(bytes: registry.emitToBuffer())
      // The Prometheus text format, version 0.0.4.
      headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
    } else {
      body = ByteBuffer(string: "\(status.code) \(status.reasonPhrase)\n")
      headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
      if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
    }
    headers.add(name: "Content-Length", value: String(body.readableBytes))
    let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    if !isHead { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
    context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
      context.close(promise: nil)
    }
  }
}

/// Counts the bytes a connection sends: past ``maximumBytes`` (a request head bigger than
/// any scrape needs) it answers 431 and closes its side, before the HTTP decoder buffers
/// more; what comes after is dropped.
final class RequestHeadLimiter: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer
  typealias OutboundOut = ByteBuffer

  /// 8 KiB: Prometheus sends a few hundred bytes.
  static let maximumBytes = 8 * 1_024

  private var received = 0
  private var refused = false

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !refused else { return }
    let buffer = unwrapInboundIn(data)
    received += buffer.readableBytes
    guard received > Self.maximumBytes else {
      context.fireChannelRead(data)
      return
    }
    refused = true
    let response =
      "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
      + "Content-Length: 0\r\n\r\n"
    // Half-closed, and the rest of the request read and dropped (until the peer closes or
    // the connection's time is up): closing with unread bytes would reset the connection
    // and could take the 431 with it.
    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
    context.close(mode: .output, promise: nil)
  }
}
