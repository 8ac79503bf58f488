import AMQPProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A connection to an AMQP 0-9-1 broker, recovered automatically when its link is lost.
///
/// ```swift
/// let connection = try await AMQPConnection.connect(to: .init(url: "amqp://localhost"))
/// let channel = try await connection.openChannel()
/// ```
///
/// When the socket closes, the broker closes the connection, or heartbeats stop, the
/// connection reconnects (see ``AMQPRecoveryPolicy``): ``AMQPChannel`` values, consumers and
/// the declared topology carry on; calls that were waiting for a reply fail, and calls made
/// while it is down fail with ``AMQPError/Code/reconnecting``. ``events()`` reports each step.
///
/// All methods are safe to call from any task. Every error thrown is an ``AMQPError``.
public final class AMQPConnection: Sendable {
  let handler: NIOLoopBound<AMQPConnectionHandler>
  let hub: ConnectionEventHub
  private let closedFuture: EventLoopFuture<AMQPError>
  /// What the connection was first made with (the password is never printed).
  public let configuration: AMQPConnectionConfiguration
  /// Every endpoint recovery may use, in the order they are tried.
  public let configurations: [AMQPConnectionConfiguration]
  /// The event loop the connection runs on; callbacks scheduled here run in order with its
  /// I/O (RPC timers use it).
  public let eventLoop: any EventLoop

  private init(
    handler: NIOLoopBound<AMQPConnectionHandler>, hub: ConnectionEventHub,
    closedFuture: EventLoopFuture<AMQPError>, configurations: [AMQPConnectionConfiguration],
    connectedTo index: Int, eventLoop: any EventLoop
  ) {
    self.handler = handler
    self.hub = hub
    self.closedFuture = closedFuture
    self.configurations = configurations
    self.configuration = configurations[index]
    self.eventLoop = eventLoop
  }

  /// The broker's `server-properties` (product, version, capabilities…) on the current link.
  public var serverProperties: AMQPFieldTable { hub.link.serverProperties }
  /// The limits agreed with the broker on the current link.
  public var tuning: AMQPTuneParameters { hub.link.tuning }
  /// The TLS protocol version and cipher suite of the current `amqps` link; `nil` on plain TCP.
  public var tlsSession: AMQPTLSSession? { hub.link.tls }
  /// The endpoint (`host:port`) of the current or last link.
  public var endpoint: String { hub.link.endpoint }

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
    try await connect(to: [configuration], eventLoopGroup: eventLoopGroup, logger: logger)
  }

  /// Connects to the first endpoint that answers, trying them in order; recovery later
  /// tries them in turn. The recovery policy is the first configuration's.
  ///
  /// - Throws: with one endpoint, its error (see ``connect(to:eventLoopGroup:logger:)``);
  ///   with several, an ``AMQPError`` with the last one's code whose message names every
  ///   endpoint and why it failed (`127.0.0.1:5681: connection refused; 127.0.0.1:5682: …`);
  ///   ``AMQPError/Code/invalidArgument`` for an empty list.
  public static func connect(
    to configurations: [AMQPConnectionConfiguration],
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    logger: Logger = Logger(label: "amqp", factory: { _ in SwiftLogNoOpLogHandler() })
  ) async throws -> AMQPConnection {
    guard !configurations.isEmpty else {
      throw AMQPError(.invalidArgument, "no broker endpoint to connect to")
    }
    var failures: [(endpoint: String, error: any Error)] = []
    for index in configurations.indices {
      do {
        return try await connect(
          configurations, index: index, eventLoop: eventLoopGroup.next(), logger: logger)
      } catch {
        failures.append((configurations[index].endpoint, error))
        logger.info(
          "cannot connect",
          metadata: ["endpoint": "\(configurations[index].endpoint)", "error": "\(error)"])
      }
    }
    guard failures.count > 1, let last = failures.last else {
      throw failures.last?.error ?? AMQPError(.connectFailed, "no endpoint answered")
    }
    // Every endpoint's reason: the first may differ from the last (refused, then a timeout).
    let reasons = failures.map { failure in
      "\(failure.endpoint): \((failure.error as? AMQPError)?.message ?? "\(failure.error)")"
    }
    throw AMQPError(
      (last.error as? AMQPError)?.code ?? .connectFailed,
      "no endpoint answered (" + reasons.joined(separator: "; ") + ")")
  }

  private static func connect(
    _ configurations: [AMQPConnectionConfiguration], index: Int, eventLoop: any EventLoop,
    logger: Logger
  ) async throws -> AMQPConnection {
    let configuration = configurations[index]
    // Checks the TLS settings and files before any socket (each socket makes its own context).
    _ = try makeTLSContext(configuration, logger: logger)
    let open = AMQPMethod.connectionOpen(.init(virtualHost: configuration.virtualHost))
    if let oversized = open.oversizedShortString { throw AMQPError.shortStringTooLong(oversized) }
    let clientProperties = Self.clientProperties(configuration)
    let hub = ConnectionEventHub()
    let (handler, closedFuture) = try await eventLoop.submit {
      let handler = AMQPConnectionHandler(
        configurations: configurations, endpointIndex: index, clientProperties: clientProperties,
        eventLoop: eventLoop, logger: logger, hub: hub)
      return (NIOLoopBound(handler, eventLoop: eventLoop), handler.closedPromise.futureResult)
    }.get()
    let socket: any Channel
    do {
      socket = try await connectSocket(
        configuration, on: eventLoop,
        install: { channel in try channel.pipeline.syncOperations.addHandler(handler.value) }
      ).get()
    } catch {
      let failure = connectError(error, configuration)
      eventLoop.execute { handler.value.shutDown(failure) }
      throw failure
    }
    let info: ConnectionInfo
    do {
      info = try await eventLoop.flatSubmit { handler.value.connectPromise.futureResult }.get()
    } catch {
      socket.close(promise: nil)
      throw error
    }
    logger.info(
      "connected",
      metadata: [
        "url": "\(configuration.redactedURL)", "tuning": "\(info.tuning)",
        "tls": "\(hub.link.tls.map(String.init(describing:)) ?? "none")",
      ])
    return AMQPConnection(
      handler: handler, hub: hub, closedFuture: closedFuture, configurations: configurations,
      connectedTo: index, eventLoop: eventLoop)
  }

  /// Opens a channel.
  ///
  /// - Throws: ``AMQPError``; ``AMQPError/Code/reconnecting`` while the link is down.
  public func openChannel() async throws -> AMQPChannel {
    let id = try await onLoop { $0.openChannel() }
    return AMQPChannel(id: id, connection: self)
  }

  /// Closes the connection gracefully (`connection.close`, waiting for `close-ok`), or stops
  /// a recovery under way; every channel, pending call and consumer fails with
  /// ``AMQPError/Code/connectionClosed``. Nothing recovers after this.
  public func close() async throws {
    let socketClosed = try await eventLoop.submit { [handler] in
      let socket = handler.value.socket
      handler.value.requestClose()
      return socket?.closeFuture
    }.get()
    _ = try? await closedFuture.get()
    try? await socketClosed?.get()
  }

  /// Waits until the connection is closed for good (by the application, or when recovery
  /// is disabled or gave up), and tells why.
  public func closed() async -> AMQPError {
    (try? await closedFuture.get())
      ?? AMQPError(.connectionClosed, "the connection is closed")
  }

  /// Whether the link is up (false while recovering and once closed).
  public var isOpen: Bool { hub.link.isOpen }

  /// Connection events from now on, for this subscriber: blocked/unblocked, disconnected,
  /// reconnecting, recovered. Each call returns a new stream; it finishes when the connection
  /// closes for good. Keeps the newest 256 unread events.
  public func events() -> AsyncStream<AMQPConnectionEvent> {
    hub.subscribe()
  }

  /// Calls `listener` on the connection's event loop with every event, before any
  /// ``events()`` stream sees it; it must not block.
  package func addEventListener(_ listener: @escaping @Sendable (AMQPConnectionEvent) -> Void) {
    hub.addListener(listener)
  }

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
