import AMQPProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import AMQPClient

/// The handler recovering a lost link, with the test playing the broker on one embedded
/// channel per link: what recovery writes, in order, and what the application sees.
final class RecoveringBroker {
  let loop = EmbeddedEventLoop()
  let handler: AMQPConnectionHandler
  private(set) var link: EmbeddedChannel
  private var decoder = AMQPFrameDecoder(maximumFrameSize: 0)
  let events = NIOLockedValueBox<[AMQPConnectionEvent]>([])

  init() throws {
    let configuration = AMQPConnectionConfiguration(
      heartbeat: 0, recovery: AMQPRecoveryPolicy(initialDelay: .milliseconds(100)))
    handler = AMQPConnectionHandler(
      configuration: configuration, clientProperties: [:], eventLoop: loop,
      logger: Logger(label: "test"))
    link = EmbeddedChannel(loop: loop)
    let events = self.events
    handler.hub.addListener { event in events.withLockedValue { $0.append(event) } }
    handler.connector = { [unowned self] _, _, install in
      let channel = EmbeddedChannel(loop: self.loop)
      self.link = channel
      do {
        try install(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5672)).wait()
      } catch {
        return self.loop.makeFailedFuture(error)
      }
      return self.loop.makeSucceededFuture(channel)
    }
    try link.pipeline.syncOperations.addHandler(handler)
    try link.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5672)).wait()
  }

  /// What the client wrote on the current link since the last call (after the protocol
  /// header, which is checked).
  func framesFromClient() throws -> [AMQPFrame] {
    loop.run()
    var bytes = ByteBuffer()
    while var chunk = try link.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&chunk) }
    if bytes.readableBytes >= 8,
      bytes.getBytes(at: bytes.readerIndex, length: 4) == Array("AMQP".utf8)
    {
      bytes.moveReaderIndex(forwardBy: 8)
      decoder = AMQPFrameDecoder(maximumFrameSize: 0)
    }
    var frames: [AMQPFrame] = []
    while let frame = try decoder.decodeFrame(from: &bytes) { frames.append(frame) }
    return frames
  }

  func send(_ frames: AMQPFrame...) throws {
    var buffer = ByteBuffer()
    for frame in frames { frame.encode(into: &buffer) }
    try link.writeInbound(buffer)
    loop.run()
  }

  func handshake() throws {
    try send(
      .method(
        channel: 0,
        .connectionStart(.init(versionMajor: 0, versionMinor: 9, mechanisms: "PLAIN", locales: "")))
    )
    try send(
      .method(channel: 0, .connectionTune(.init(channelMax: 10, frameMax: 4096, heartbeat: 0))))
    _ = try framesFromClient()  // start-ok, tune-ok, open
    // What follows open-ok (a recovery's first request) is left for the test.
    try send(.method(channel: 0, .connectionOpenOk(.init())))
  }

  /// Answers one request the client wrote with `reply`, checking what it was.
  func expect(_ request: (AMQPFrame) -> Bool, reply: AMQPFrame, _ what: String) throws {
    let frames = try framesFromClient()
    #expect(frames.count == 1 && frames.allSatisfy(request), "expected \(what), got \(frames)")
    try send(reply)
  }
}

@Suite(.timeLimit(.minutes(1))) struct HandlerRecoveryTests {
  @Test func lostLinkIsRecoveredChannelsQosTopologyAndConsumersInOrder() throws {
    let broker = try RecoveringBroker()
    try broker.handshake()
    let handler = broker.handler
    // The application: a channel with prefetch 5, a server-named queue, a consumer.
    let opened = handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    #expect(try opened.wait() == 1)
    let qos = handler.request(.basicQos(.init(prefetchCount: 5)), channelID: 1)
    try broker.send(.method(channel: 1, .basicQosOk(.init())))
    _ = try qos.wait()
    let declared = handler.request(.queueDeclare(.init(exclusive: true)), channelID: 1)
    try broker.send(.method(channel: 1, .queueDeclareOk(.init(queue: "amq.gen-old"))))
    _ = try declared.wait()
    let tags = NIOLockedValueBox<[UInt64]>([])
    let consumed = handler.consume(
      .init(queue: "amq.gen-old"), channelID: 1,
      deliver: { message in tags.withLockedValue { $0.append(message.deliveryTag) } },
      end: { _ in Issue.record("the consumer must survive the lost link") })
    try broker.send(.method(channel: 1, .basicConsumeOk(.init(consumerTag: "c1"))))
    #expect(try consumed.wait() == "c1")
    func deliver(_ tag: UInt64) throws {
      try broker.send(
        .method(channel: 1, .basicDeliver(.init(consumerTag: "c1", deliveryTag: tag))),
        .header(channel: 1, AMQPContentHeader(bodySize: 0, properties: .init())))
    }
    try deliver(1)
    try deliver(2)
    _ = try broker.framesFromClient()

    // A request waiting at the loss fails; the link goes.
    let waiting = handler.request(.queueDeclare(.init(queue: "q", passive: true)), channelID: 1)
    try broker.link.close().wait()
    #expect(throws: AMQPError.self) { try waiting.wait() }
    guard case .disconnected = broker.events.withLockedValue({ $0.first }),
      case .reconnecting(1, _, _) = broker.events.withLockedValue({ $0.last })
    else {
      Issue.record(
        "expected disconnected then reconnecting: \(broker.events.withLockedValue { $0 })")
      return
    }
    // While down, the application is told to wait, and nothing is written anywhere.
    #expect(throws: AMQPError.self) {
      try handler.publish(
        .init(routingKey: "x"), properties: .init(), body: ByteBuffer(), channelID: 1,
        confirmation: nil)
    }

    // The next attempt: a new link, the handshake, then the restore in order.
    broker.loop.advanceTime(by: .seconds(1))
    try broker.handshake()
    try broker.expect(
      { if case .method(1, .channelOpen) = $0 { true } else { false } },
      reply: .method(channel: 1, .channelOpenOk(.init())), "channel 1 opened again")
    try broker.expect(
      { if case .method(1, .basicQos(let qos)) = $0 { qos.prefetchCount == 5 } else { false } },
      reply: .method(channel: 1, .basicQosOk(.init())), "its prefetch again")
    try broker.expect(
      { if case .method(2, .channelOpen) = $0 { true } else { false } },
      reply: .method(channel: 2, .channelOpenOk(.init())), "a channel for the topology")
    try broker.expect(
      {
        if case .method(2, .queueDeclare(let d)) = $0 {
          d.queue.isEmpty && d.exclusive
        } else {
          false
        }
      },
      reply: .method(channel: 2, .queueDeclareOk(.init(queue: "amq.gen-new"))),
      "the server-named queue declared with an empty name")
    try broker.expect(
      {
        if case .method(1, .basicConsume(let c)) = $0 {
          c.queue == "amq.gen-new" && c.consumerTag == "c1"
        } else {
          false
        }
      },
      reply: .method(channel: 1, .basicConsumeOk(.init(consumerTag: "c1"))),
      "the consumer on the renamed queue, same tag")
    try broker.expect(
      { if case .method(2, .channelClose) = $0 { true } else { false } },
      reply: .method(channel: 2, .channelCloseOk(.init())), "the topology channel closed")
    guard case .recovered(let recovery) = broker.events.withLockedValue({ $0.last }) else {
      Issue.record("expected recovered: \(broker.events.withLockedValue { $0 })")
      return
    }
    #expect(recovery.renamedQueues == ["amq.gen-old": "amq.gen-new"])
    #expect(recovery.attempts == 1)
    #expect(handler.topology.queues["amq.gen-new"] != nil)

    // Deliveries on the new link come after the old tags; acks are translated back, and an
    // ack of a tag from the old link is dropped (the broker requeued that message).
    try deliver(1)
    #expect(tags.withLockedValue { $0 } == [1, 2, 3])
    try handler.send(.basicAck(.init(deliveryTag: 2)), channelID: 1)
    #expect(try broker.framesFromClient().isEmpty)
    try handler.send(.basicAck(.init(deliveryTag: 3)), channelID: 1)
    #expect(
      try broker.framesFromClient() == [.method(channel: 1, .basicAck(.init(deliveryTag: 1)))])
  }

  @Test func refusedDeclarationIsReportedAndTheRestIsStillRestored() throws {
    let broker = try RecoveringBroker()
    try broker.handshake()
    let handler = broker.handler
    let opened = handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    _ = try opened.wait()
    for name in ["a", "b"] {
      let declared = handler.request(.queueDeclare(.init(queue: name, durable: true)), channelID: 1)
      try broker.send(.method(channel: 1, .queueDeclareOk(.init(queue: name))))
      _ = try declared.wait()
    }
    try broker.link.close().wait()
    broker.loop.advanceTime(by: .seconds(1))
    try broker.handshake()
    try broker.expect(
      { if case .method(1, .channelOpen) = $0 { true } else { false } },
      reply: .method(channel: 1, .channelOpenOk(.init())), "channel 1 again")
    try broker.expect(
      { if case .method(2, .channelOpen) = $0 { true } else { false } },
      reply: .method(channel: 2, .channelOpenOk(.init())), "the topology channel")
    // The broker refuses "a" (406) and closes that channel; "b" is declared on a new one.
    try broker.expect(
      { if case .method(2, .queueDeclare(let d)) = $0 { d.queue == "a" } else { false } },
      reply: .method(
        channel: 2, .channelClose(.init(replyCode: 406, replyText: "PRECONDITION_FAILED"))),
      "queue a")
    let frames = try broker.framesFromClient()
    #expect(frames.first == .method(channel: 2, .channelCloseOk(.init())))
    #expect(
      frames.dropFirst().first.map { if case .method(_, .channelOpen) = $0 { true } else { false } }
        == true)
    guard case .method(let next, .channelOpen) = frames.dropFirst().first else { return }
    try broker.send(.method(channel: next, .channelOpenOk(.init())))
    try broker.expect(
      { if case .method(next, .queueDeclare(let d)) = $0 { d.queue == "b" } else { false } },
      reply: .method(channel: next, .queueDeclareOk(.init(queue: "b"))), "queue b")
    try broker.expect(
      { if case .method(next, .channelClose) = $0 { true } else { false } },
      reply: .method(channel: next, .channelCloseOk(.init())), "the topology channel closed")
    let events = broker.events.withLockedValue { $0 }
    #expect(events.contains { if case .recoveryFailed("queue a", _) = $0 { true } else { false } })
    guard case .recovered = events.last else {
      Issue.record("expected recovered after the refusal: \(events)")
      return
    }
  }

  @Test func aLinkLostWhileBlockedIsReportedUnblockedAfterTheLoss() throws {
    let broker = try RecoveringBroker()
    try broker.handshake()
    try broker.send(.method(channel: 0, .connectionBlocked(.init(reason: "low on memory"))))
    try broker.link.close().wait()
    let events = broker.events.withLockedValue { $0 }
    // Subscribers must not go on thinking the connection blocked: a new link starts
    // unblocked and the broker will not say so. After `disconnected`, so that what waited
    // for the block stays held by the outage.
    guard events.count == 4, case .blocked = events[0], case .disconnected = events[1],
      events[2] == .unblocked, case .reconnecting(1, _, _) = events[3]
    else {
      Issue.record("expected blocked, disconnected, unblocked, reconnecting: \(events)")
      return
    }
    // Lost again (the next attempt's handshake fails): no second unblocked.
    broker.loop.advanceTime(by: .seconds(1))
    try broker.link.close().wait()
    let more = broker.events.withLockedValue { Array($0.dropFirst(4)) }
    #expect(more.contains { if case .reconnecting(2, _, _) = $0 { true } else { false } })
    #expect(!more.contains(.unblocked), "\(more)")
  }
}
