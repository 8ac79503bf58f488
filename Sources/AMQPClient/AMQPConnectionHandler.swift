import AMQPProtocol
import Logging
import NIOCore

/// Everything the connection needs to know once the handshake is done.
struct ConnectionInfo: Sendable {
  var serverProperties: AMQPFieldTable
  var tuning: AMQPTuneParameters
  /// What TLS was negotiated; `nil` on plain TCP. Filled in by `AMQPConnection.connect`.
  var tls: AMQPTLSSession? = nil
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

    /// Checks that the channel takes a publish; in confirm mode assigns its delivery tag
    /// (returned) and registers `confirmation` for the broker's ack or nack.
    mutating func publishing(confirmation: EventLoopPromise<Bool>?) throws(AMQPError) -> UInt64? {
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
  private(set) var readsPaused = false
  private var flushScheduled = false
  /// Between `channelRead` and `channelReadComplete`, which flushes: writes then need no
  /// flush task of their own.
  private var inReadBurst = false
  private var readPending = false
  private var inbound = ByteBuffer()
  private var outbound = ByteBuffer()
  let connectPromise: EventLoopPromise<ConnectionInfo>
  let eventsContinuation: AsyncStream<AMQPConnectionEvent>.Continuation
  let events: AsyncStream<AMQPConnectionEvent>
  /// Declared topology and consumers, kept for recovery.
  var topology = AMQPTopology()
  /// Why the connection closed, once it has.
  private(set) var closeError: AMQPError?

  init(
    configuration: AMQPConnectionConfiguration, clientProperties: AMQPFieldTable,
    eventLoop: any EventLoop, logger: Logger
  ) {
    self.eventLoop = eventLoop
    self.logger = logger
    self.connection = ConnectionStateMachine(
      configuration: configuration, clientProperties: clientProperties)
    self.connectPromise = eventLoop.makePromise()
    (events, eventsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(64))
  }

  // MARK: - NIO events

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
    if context.channel.isActive { channelActive(context: context) }
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    // A socket that never became active (refused connect) still completes every promise.
    shutDown(AMQPError(.connectionClosed, "the connection closed"))
    self.context = nil
  }

  func channelActive(context: ChannelHandlerContext) {
    let timeout = connection.configuration.connectionTimeout
    timeoutTask = eventLoop.assumeIsolated().scheduleTask(in: timeout.timeAmount) {
      self.perform(self.connection.connectTimedOut(after: timeout))
    }
    perform(connection.connected(now: eventLoop.now))
    context.fireChannelActive()
  }

  func channelInactive(context: ChannelHandlerContext) {
    inReadBurst = false
    perform(connection.socketClosed())
    context.fireChannelInactive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
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
    }
    inbound.discardReadBytes()
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    inReadBurst = false
    flushOutbound(promise: nil)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    logger.debug("connection error", metadata: ["error": "\(error)"])
    // TLS failures arrive already explained (TLSFailureTranslator).
    let closeError = error as? AMQPError ?? AMQPError(.connectionClosed, "socket error: \(error)")
    perform(.closeConnection(write: [], error: closeError))
  }

  func read(context: ChannelHandlerContext) {
    if readsPaused {
      readPending = true
    } else {
      context.read()
    }
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
      channelIDs = ChannelIDAllocator(highest: agreed.highestChannelID)
      write(frames)
      startHeartbeats(agreed.heartbeat)
    case .succeedConnect(let serverProperties, let agreed):
      timeoutTask?.cancel()
      timeoutTask = nil
      connectPromise.succeed(ConnectionInfo(serverProperties: serverProperties, tuning: agreed))
    case .forwardToChannel(let frame):
      channelFrameReceived(frame)
    case .notify(let event):
      logger.info("connection event", metadata: ["event": "\(event)"])
      eventsContinuation.yield(event)
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

  /// Fails every pending operation and consumer with `error`; idempotent.
  private func shutDown(_ error: AMQPError) {
    guard closeError == nil else { return }
    closeError = error
    logger.debug("connection closed", metadata: ["reason": "\(error)"])
    heartbeatTask?.cancel()
    heartbeatTask = nil
    timeoutTask?.cancel()
    timeoutTask = nil
    connectPromise.fail(error)
    for id in channels.ids {
      guard let action = channels.update(id, { $0.machine.connectionClosed(error) }) else {
        continue
      }
      perform(action, channelID: id)
    }
    eventsContinuation.finish()
    resumeReadsIfPaused()
  }

  private func startHeartbeats(_ seconds: UInt16) {
    guard seconds > 0 else { return }
    scheduleHeartbeat(after: .milliseconds(Int64(seconds) * 500))
  }

  private func scheduleHeartbeat(after delay: TimeAmount) {
    heartbeatTask = eventLoop.assumeIsolated().scheduleTask(in: delay) {
      self.perform(
        self.connection.heartbeatTimerFired(now: self.eventLoop.now, readsPaused: self.readsPaused))
      if self.closeError == nil { self.scheduleHeartbeat(after: delay) }
    }
  }

  /// The application asked to close the connection.
  func requestClose() {
    perform(connection.closeRequested())
    if case .closed = connection.state, let context { context.close(promise: nil) }
  }

  // MARK: - Back-pressure

  /// Called when a consumer's buffer passed its high watermark.
  func pauseReads() {
    readsPaused = true
  }

  func resumeReadsIfPaused() {
    let anySaturated = channels.values.contains { $0.consumers.values.contains { !$0.wantsMore } }
    guard readsPaused, !anySaturated || closeError != nil else { return }
    readsPaused = false
    if readPending, let context {
      readPending = false
      context.read()
    }
  }
}
