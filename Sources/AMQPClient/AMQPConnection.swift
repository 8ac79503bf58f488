import AMQPProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A connection to an AMQP 0-9-1 broker.
///
/// ```swift
/// let connection = try await AMQPConnection.connect(to: .init(url: "amqp://localhost"))
/// let channel = try await connection.openChannel()
/// ```
///
/// All methods are safe to call from any task. Every error thrown is an ``AMQPError``.
public final class AMQPConnection: Sendable {
  let handler: NIOLoopBound<AMQPConnectionHandler>
  let socket: any Channel
  /// What the connection was made with (the password is never printed).
  public let configuration: AMQPConnectionConfiguration
  /// The broker's `server-properties` (product, version, capabilities…).
  public let serverProperties: AMQPFieldTable
  /// The limits agreed with the broker.
  public let tuning: AMQPTuneParameters
  /// The TLS protocol version and cipher suite of an `amqps` connection; `nil` on plain TCP.
  public let tlsSession: AMQPTLSSession?
  /// Blocked/unblocked notifications; finishes when the connection closes.
  public let events: AsyncStream<AMQPConnectionEvent>

  /// The event loop the connection runs on; callbacks scheduled here run in order with its
  /// I/O (RPC timers use it).
  public var eventLoop: any EventLoop { socket.eventLoop }

  private init(
    handler: NIOLoopBound<AMQPConnectionHandler>, socket: any Channel,
    configuration: AMQPConnectionConfiguration, info: ConnectionInfo,
    events: AsyncStream<AMQPConnectionEvent>
  ) {
    self.handler = handler
    self.socket = socket
    self.configuration = configuration
    self.serverProperties = info.serverProperties
    self.tuning = info.tuning
    self.tlsSession = info.tls
    self.events = events
  }

  /// Connects, authenticates and opens the virtual host.
  ///
  /// - Throws: ``AMQPError`` with ``AMQPError/Code/connectFailed``,
  ///   ``AMQPError/Code/connectionTimeout``, ``AMQPError/Code/authenticationFailed``,
  ///   ``AMQPError/Code/accessRefused``, ``AMQPError/Code/protocolViolation`` (a peer that is
  ///   not an AMQP 0-9-1 broker), ``AMQPError/Code/unsupported``,
  ///   ``AMQPError/Code/shortStringTooLong`` (a virtual host name over 255 bytes),
  ///   ``AMQPError/Code/invalidTLSConfiguration`` or ``AMQPError/Code/tlsHandshakeFailed``
  ///   (`amqps`: see `AMQPConnection+TLS.swift`).
  public static func connect(
    to configuration: AMQPConnectionConfiguration,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    logger: Logger = Logger(label: "amqp", factory: { _ in SwiftLogNoOpLogHandler() })
  ) async throws -> AMQPConnection {
    let tlsContext = try makeTLSContext(configuration, logger: logger)
    let open = AMQPMethod.connectionOpen(.init(virtualHost: configuration.virtualHost))
    if let oversized = open.oversizedShortString { throw AMQPError.shortStringTooLong(oversized) }
    let clientProperties = Self.clientProperties(configuration)
    // Kept from the initializer: a broker that refuses the login closes the socket at once,
    // and a later pipeline lookup could then find no handler (and lose the reason).
    let installed = NIOLockedValueBox<NIOLoopBound<AMQPConnectionHandler>?>(nil)
    let bootstrap = ClientBootstrap(group: eventLoopGroup)
      .connectTimeout(configuration.connectionTimeout.timeAmount)
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          let handler = AMQPConnectionHandler(
            configuration: configuration, clientProperties: clientProperties,
            eventLoop: channel.eventLoop, logger: logger)
          if let tlsContext {
            try Self.addTLSHandlers(tlsContext, configuration: configuration, to: channel)
          }
          try channel.pipeline.syncOperations.addHandler(handler)
          installed.withLockedValue { $0 = NIOLoopBound(handler, eventLoop: channel.eventLoop) }
        }
      }
    let socket: any Channel
    do {
      socket = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
    } catch {
      if case ChannelError.connectTimeout = error {
        throw AMQPError(
          .connectionTimeout,
          "TCP connect to \(configuration.host):\(configuration.port) did not finish within "
            + "\(configuration.connectionTimeout)")
      }
      throw AMQPError(
        .connectFailed, "cannot connect to \(configuration.host):\(configuration.port): \(error)")
    }
    guard let handler = installed.withLockedValue({ $0 }) else {
      socket.close(promise: nil)
      throw AMQPError(.connectFailed, "the connection handler was not installed")
    }
    let events = try await socket.eventLoop.submit { handler.value.events }.get()
    var info: ConnectionInfo
    do {
      info = try await socket.eventLoop.flatSubmit { handler.value.connectPromise.futureResult }
        .get()
    } catch {
      socket.close(promise: nil)
      throw error
    }
    let verified = configuration.tls.verification == .verifyPeer
    info.tls = try await socket.eventLoop.submit {
      negotiatedTLS(of: socket, peerVerified: verified)
    }.get()
    logger.info(
      "connected",
      metadata: [
        "url": "\(configuration.redactedURL)", "tuning": "\(info.tuning)",
        "tls": "\(info.tls.map(String.init(describing:)) ?? "none")",
      ])
    return AMQPConnection(
      handler: handler, socket: socket, configuration: configuration, info: info, events: events)
  }

  /// Opens a channel.
  public func openChannel() async throws -> AMQPChannel {
    let id = try await onLoop { $0.openChannel() }
    return AMQPChannel(id: id, connection: self)
  }

  /// Closes the connection gracefully (`connection.close`, waiting for `close-ok`); every
  /// channel, pending call and consumer fails with ``AMQPError/Code/connectionClosed``.
  public func close() async throws {
    eventLoop.execute { [handler] in
      handler.value.requestClose()
    }
    try await socket.closeFuture.get()
  }

  /// Waits until the connection is closed, and tells why.
  public func closed() async -> AMQPError {
    try? await socket.closeFuture.get()
    let error = try? await eventLoop.submit { [handler] in handler.value.closeError }.get()
    return (error ?? nil) ?? AMQPError(.connectionClosed, "the connection is closed")
  }

  /// Whether the connection is open.
  public var isOpen: Bool { socket.isActive }

  /// The declared topology and active consumers, as recorded for recovery.
  public func recordedTopology() async throws -> AMQPTopology {
    try await eventLoop.submit { [handler] in handler.value.topology }.get()
  }

  /// Runs `body` with the handler on the event loop.
  func onLoop<T: Sendable>(
    _ body: @escaping @Sendable (AMQPConnectionHandler) -> EventLoopFuture<T>
  ) async throws -> T {
    try await eventLoop.flatSubmit { [handler] in body(handler.value) }.get()
  }

  /// Runs a synchronous throwing `body` with the handler on the event loop.
  func onLoopSync<T: Sendable>(
    _ body: @escaping @Sendable (AMQPConnectionHandler) throws -> T
  ) async throws -> T {
    if eventLoop.inEventLoop { return try body(handler.value) }
    return try await eventLoop.submit { [handler] in try body(handler.value) }.get()
  }

  static func clientProperties(_ configuration: AMQPConnectionConfiguration) -> AMQPFieldTable {
    var properties: AMQPFieldTable = [
      "product": "swift-amqp-rpc",
      "version": "0.1.0",
      "platform": "Swift",
      "information": "AMQP 0-9-1 client on SwiftNIO",
      "capabilities": .table([
        "publisher_confirms": true,
        "exchange_exchange_bindings": true,
        "basic.nack": true,
        "consumer_cancel_notify": true,
        "connection.blocked": true,
        "authentication_failure_close": true,
        "per_consumer_qos": true,
      ]),
    ]
    if let name = configuration.connectionName { properties["connection_name"] = .string(name) }
    return properties
  }
}
