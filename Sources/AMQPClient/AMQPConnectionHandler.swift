import AMQPProtocol
import Logging
import NIOCore

/// Everything the connection needs to know once the handshake is done.
struct ConnectionInfo: Sendable {
  var serverProperties: AMQPFieldTable
  var tuning: AMQPTuneParameters
}

/// The NIO handler of one AMQP connection. It decodes frames, feeds them to the connection
/// and channel state machines, and performs the actions they return. All its state lives on
/// the connection's event loop; the public types reach it through `NIOLoopBound`.
final class AMQPConnectionHandler: ChannelDuplexHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  struct ChannelSlot {
    var machine: ChannelStateMachine<ChannelWaiter>
    var consumers: [String: ConsumerSink] = [:]
    var confirms: ConfirmTracker<EventLoopPromise<Bool>>?
    var returns: AsyncStream<AMQPReturnedMessage>.Continuation?
    var flowActive = true
    /// The link was lost and this channel is not open again yet: the application's methods
    /// and publishes fail with ``AMQPError/Code/reconnecting``.
    var recovering = false
    /// The `basic.qos` settings in force (per consumer and global), applied again on
    /// recovery.
    var qos: [Bool: AMQPMethod.Basic.Qos] = [:]
    /// Delivery tags restart at 1 on a new link; the application sees them after this
    /// offset, so that a tag from before the loss is never taken for a new delivery.
    var deliveryTagOffset: UInt64 = 0
    /// The highest delivery tag handed to the application, offset included.
    var highestDeliveryTag: UInt64 = 0
    /// The channel recovery declares the topology on; closed when recovery ends.
    var isRecoveryChannel = false

    /// Checks that the channel takes a publish; in confirm mode assigns its delivery tag
    /// (returned) and registers `confirmation` for the broker's ack or nack.
    mutating func publishing(confirmation: EventLoopPromise<Bool>?) throws(AMQPError) -> UInt64? {
      if recovering { throw .recovering(channel: machine.id) }
      if let error = machine.closedError { throw error }
      if confirms != nil { return confirms?.published(waiter: confirmation) }
      confirmation?.fail(
        AMQPError(.invalidArgument, "channel \(machine.id) is not in confirm mode"))
      return nil
    }
  }

  let eventLoop: any EventLoop
  let logger: Logger
  var connection: ConnectionStateMachine
  /// The endpoints, tried in turn when reconnecting, and the one in use.
  let configurations: [AMQPConnectionConfiguration]
  var endpointIndex: Int
  let clientProperties: AMQPFieldTable
  let hub: ConnectionEventHub
  /// Completes once the connection is closed for good, with the reason.
  let closedPromise: EventLoopPromise<AMQPError>
  /// Counts sockets: work started for one link stops when the link is replaced.
  var linkGeneration = 0
  var reconnectTask: Scheduled<Void>?
  /// When the current outage began.
  var disconnectedAt: NIODeadline?
  /// Whether the broker has blocked the current link (`connection.blocked` without
  /// `connection.unblocked` yet).
  var linkBlocked = false
  /// The channel a recovery declares the topology on, while it runs.
  var recoveryChannelID: UInt16?
  /// Opens a socket for a reconnection attempt, with the handler installed by `install`
  /// (TCP by default; tests put an embedded channel here).
  var connector: Connector = AMQPConnection.connectSocket
  typealias Connector = (
    AMQPConnectionConfiguration, any EventLoop, @escaping @Sendable (any Channel) throws -> Void
  ) -> EventLoopFuture<any Channel>
  /// Until tuning, every frame must fit in the spec's frame-min-size (4096 bytes): no
  /// message allowance beyond it yet.
  private var decoder = AMQPFrameDecoder(
    maximumFrameSize: AMQPFraming.minimumFrameMax, maximumMessageSize: 0)
  var context: ChannelHandlerContext?
  var channels = ChannelTable<ChannelSlot>()
  var channelIDs = ChannelIDAllocator(highest: 1)
  private(set) var tuning = AMQPTuneParameters(channelMax: 0, frameMax: 4096, heartbeat: 0)
  private var heartbeatTask: Scheduled<Void>?
  private var timeoutTask: Scheduled<Void>?
  private var flushScheduled = false
  /// Between `channelRead` and `channelReadComplete`, which flushes: writes then need no
  /// flush task of their own.
  private var inReadBurst = false
  private var inbound = ByteBuffer()
  private var outbound = ByteBuffer()
  let connectPromise: EventLoopPromise<ConnectionInfo>
  /// Declared topology and consumers, kept for recovery.
  var topology = AMQPTopology()
  /// Why the connection closed, once it has.
  private(set) var closeError: AMQPError?

  /// A handler for `configurations[endpointIndex]`; the others are tried when reconnecting.
  init(
    configurations: [AMQPConnectionConfiguration], endpointIndex: Int = 0,
    clientProperties: AMQPFieldTable, eventLoop: any EventLoop, logger: Logger,
    hub: ConnectionEventHub = ConnectionEventHub()
  ) {
    precondition(configurations.indices.contains(endpointIndex), "no such endpoint")
    self.eventLoop = eventLoop
    self.logger = logger
    self.configurations = configurations
    self.endpointIndex = endpointIndex
    self.clientProperties = clientProperties
    self.hub = hub
    self.connection = ConnectionStateMachine(
      configuration: configurations[endpointIndex], clientProperties: clientProperties)
    self.connectPromise = eventLoop.makePromise()
    self.closedPromise = eventLoop.makePromise()
  }

  /// A handler for one endpoint.
  convenience init(
    configuration: AMQPConnectionConfiguration, clientProperties: AMQPFieldTable,
    eventLoop: any EventLoop, logger: Logger
  ) {
    self.init(
      configurations: [configuration], clientProperties: clientProperties, eventLoop: eventLoop,
      logger: logger)
  }

  // MARK: - NIO events

  func handlerAdded(context: ChannelHandlerContext) {
    // A new link (the first, or a reconnection): its own decoder, buffers and timers.
    self.context = context
    linkGeneration += 1
    decoder = AMQPFrameDecoder(maximumFrameSize: AMQPFraming.minimumFrameMax, maximumMessageSize: 0)
    inbound = ByteBuffer()
    outbound = ByteBuffer()
    connection.linkStarted()
    if context.channel.isActive { channelActive(context: context) }
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    // Only the current link matters: an old socket's pipeline may be torn down after a new
    // one took over.
    guard context === self.context else { return }
    self.context = nil
    perform(connection.socketClosed())
  }

  func channelActive(context: ChannelHandlerContext) {
    guard context === self.context else { return }
    let timeout = connection.configuration.connectionTimeout
    let generation = linkGeneration
    timeoutTask?.cancel()
    timeoutTask = eventLoop.assumeIsolated().scheduleTask(in: timeout.timeAmount) {
      guard generation == self.linkGeneration else { return }
      self.perform(self.connection.connectTimedOut(after: timeout))
    }
    perform(connection.connected(now: eventLoop.now))
    context.fireChannelActive()
  }

  func channelInactive(context: ChannelHandlerContext) {
    guard context === self.context else { return }
    inReadBurst = false
    perform(connection.socketClosed())
    context.fireChannelInactive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard context === self.context else { return }
    inReadBurst = true
    var bytes = unwrapInboundIn(data)
    if inbound.readableBytes == 0 {
      inbound = bytes
    } else {
      inbound.writeBuffer(&bytes)
    }
    let now = eventLoop.now
    while true {
      let frame: AMQPFrame?
      do {
        frame = try decoder.decodeFrame(from: &inbound)
      } catch {
        inbound.clear()
        perform(connection.decodingFailed(error))
        return
      }
      guard let frame else { break }
      if connection.routesToChannel(frame.channel, now: now) {
        channelFrameReceived(frame)
      } else {
        perform(connection.frameReceived(frame, now: now))
      }
      if case .closed = connection.state { return }
      if case .disconnected = connection.state { return }
    }
    inbound.discardReadBytes()
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    inReadBurst = false
    flushOutbound(promise: nil)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    guard context === self.context else { return }
    logger.debug("connection error", metadata: ["error": "\(error)"])
    perform(connection.socketErrorCaught(error))
  }

  func read(context: ChannelHandlerContext) {
    if connection.readRequested() { context.read() }
  }

  // MARK: - Writing

  /// Encodes frames into the outbound buffer (see ``enqueue(_:)``).
  func write(_ frames: [AMQPFrame]) {
    guard !frames.isEmpty else { return }
    enqueue { buffer in
      for frame in frames { frame.encode(into: &buffer) }
    }
  }

  /// Encodes into the buffer of this event-loop tick. Everything a tick encodes goes to the
  /// socket as one write with one flush, before the loop idles (inside a read burst,
  /// `channelReadComplete` flushes): one buffer and one syscall for many frames.
  func enqueue(_ encode: (inout ByteBuffer) -> Void) {
    guard context != nil else { return }
    if outbound.capacity == 0 { outbound.reserveCapacity(Self.outboundCapacity) }
    encode(&outbound)
    guard !flushScheduled, !inReadBurst else { return }
    flushScheduled = true
    eventLoop.assumeIsolated().execute {
      self.flushScheduled = false
      self.flushOutbound(promise: nil)
    }
  }

  /// Writes and flushes what was encoded so far; `promise` completes once it is written.
  func flushOutbound(promise: EventLoopPromise<Void>?) {
    guard let context, outbound.readableBytes > 0 else {
      promise?.succeed()
      return
    }
    connection.frameSent(now: eventLoop.now)
    let buffer = outbound
    // A fresh buffer for the next tick: NIO holds this one until the socket took it.
    outbound = ByteBuffer()
    context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
  }

  /// Whether we are handling the last frame of a read and nothing is waiting to be written:
  /// a publish now answers a delivery and is alone in its tick (see `publish`).
  var isQuietTick: Bool {
    inReadBurst && outbound.readableBytes == 0 && inbound.readableBytes == 0
  }

  /// What the outbound buffer starts with; it grows for bigger ticks.
  private static let outboundCapacity = 4_096

  private func writeProtocolHeader() {
    enqueue { $0.writeBytes(AMQPFraming.protocolHeader) }
    flushOutbound(promise: nil)
  }

  // MARK: - Connection actions

  func perform(_ action: ConnectionStateMachine.Action) {
    switch action {
    case .none:
      break
    case .sendProtocolHeader:
      writeProtocolHeader()
    case .write(let frames):
      write(frames)
    case .applyTuning(let agreed, let frames):
      tuning = agreed
      decoder.maximumFrameSize = agreed.frameMax
      decoder.maximumMessageSize = connection.configuration.maximumMessageSize
      channelIDs.renegotiated(highest: agreed.highestChannelID)
      write(frames)
      startHeartbeats(agreed.heartbeat)
    case .succeedConnect(let serverProperties, let agreed):
      timeoutTask?.cancel()
      timeoutTask = nil
      linkOpened(serverProperties: serverProperties, tuning: agreed)
      connectPromise.succeed(ConnectionInfo(serverProperties: serverProperties, tuning: agreed))
    case .reopened(let serverProperties, let agreed):
      timeoutTask?.cancel()
      timeoutTask = nil
      linkOpened(serverProperties: serverProperties, tuning: agreed)
      restore()
    case .forwardToChannel(let frame):
      channelFrameReceived(frame)
    case .notify(let event):
      notify(event)
    case .disconnect(let frames, let error, let attempt):
      linkLost(write: frames, error: error, attempt: attempt)
    case .closeConnection(let frames, let error):
      shutDown(error)
      if let context {
        write(frames)
        let written = eventLoop.makePromise(of: Void.self)
        flushOutbound(promise: written)
        let channel = context.channel
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
      }
    case .sendCloseAndFail(let frame, let error):
      write([frame])
      shutDown(error)
      // Wait a bounded time for close-ok, then hang up regardless.
      timeoutTask?.cancel()
      let channel = context?.channel
      timeoutTask = eventLoop.scheduleTask(in: .seconds(5)) { channel?.close(promise: nil) }
    }
  }

  /// Logs and hands an event to every subscriber.
  func notify(_ event: AMQPConnectionEvent) {
    switch event {
    case .blocked: linkBlocked = true
    case .unblocked: linkBlocked = false
    case .disconnected, .reconnecting, .recovered, .recoveryFailed: break
    }
    logger.info("connection event", metadata: ["event": "\(event)"])
    hub.publish(event)
  }

  private func linkOpened(serverProperties: AMQPFieldTable, tuning agreed: AMQPTuneParameters) {
    let endpoint = connection.configuration.endpoint
    let verified = connection.configuration.tls.verification == .verifyPeer
    let tls = context.flatMap {
      AMQPConnection.negotiatedTLS(of: $0.channel, peerVerified: verified)
    }
    hub.updateLink {
      $0.isOpen = true
      $0.endpoint = endpoint
      $0.tls = tls
      $0.serverProperties = serverProperties
      $0.tuning = agreed
    }
  }

  /// Fails every pending operation and consumer with `error`; idempotent.
  func shutDown(_ error: AMQPError) {
    guard closeError == nil else { return }
    closeError = error
    logger.debug("connection closed", metadata: ["reason": "\(error)"])
    heartbeatTask?.cancel()
    heartbeatTask = nil
    timeoutTask?.cancel()
    timeoutTask = nil
    reconnectTask?.cancel()
    reconnectTask = nil
    connectPromise.fail(error)
    for id in channels.ids {
      guard let action = channels.update(id, { $0.machine.connectionClosed(error) }) else {
        continue
      }
      perform(action, channelID: id)
    }
    hub.finish()
    closedPromise.succeed(error)
    resumeReadsIfPaused()
  }

  private func startHeartbeats(_ seconds: UInt16) {
    heartbeatTask?.cancel()
    heartbeatTask = nil
    guard seconds > 0 else { return }
    scheduleHeartbeat(tick: .milliseconds(Int64(seconds) * 500))
  }

  private func scheduleHeartbeat(tick: TimeAmount) {
    let generation = linkGeneration
    let delay = connection.nextHeartbeatCheck(now: eventLoop.now, tick: tick)
    heartbeatTask = eventLoop.assumeIsolated().scheduleTask(in: delay) {
      guard generation == self.linkGeneration else { return }
      self.perform(
        self.connection.heartbeatTimerFired(
          now: self.eventLoop.now, readsPaused: self.connection.readsPaused))
      if self.connection.isOpen, generation == self.linkGeneration {
        self.scheduleHeartbeat(tick: tick)
      }
    }
  }

  /// The application asked to close the connection.
  func requestClose() {
    perform(connection.closeRequested())
    if case .closed = connection.state, let context { context.close(promise: nil) }
  }

  /// Writes `frames` (a `connection.close` saying why, when we end the link ourselves) and
  /// drops the current socket; nothing more goes to it and its late events are ignored.
  func detachLink(write frames: [AMQPFrame]) {
    if let context {
      write(frames)
      flushOutbound(promise: nil)
      context.close(promise: nil)
    }
    context = nil
    linkGeneration += 1
    inReadBurst = false
    inbound.clear()
    outbound.clear()
    heartbeatTask?.cancel()
    heartbeatTask = nil
    timeoutTask?.cancel()
    timeoutTask = nil
  }

  /// The current link's socket, if there is one.
  var socket: (any Channel)? { context?.channel }

  // MARK: - Back-pressure

  /// Called when a consumer's buffer passed its high watermark.
  func pauseReads() {
    connection.consumerSaturated()
  }

  func resumeReadsIfPaused() {
    let anySaturated = channels.values.contains { $0.consumers.values.contains { !$0.wantsMore } }
    guard connection.readsPaused, !anySaturated || closeError != nil else { return }
    if connection.consumersCaughtUp(), let context { context.read() }
  }
}
