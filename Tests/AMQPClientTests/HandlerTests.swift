import AMQPProtocol
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import AMQPClient

/// The handler on an `EmbeddedChannel`, with the test playing the broker: for what a real
/// broker cannot be made to do (garbage, bad frames, silence).
final class FakeBroker {
  let channel = EmbeddedChannel()
  let handler: AMQPConnectionHandler
  private var decoder = AMQPFrameDecoder(maximumFrameSize: 0)
  private var outbound = ByteBuffer()
  private var sawHeader = false

  /// Recovery is off unless asked for: most tests look at how a connection ends.
  init(heartbeat: UInt16 = 0, recovery: AMQPRecoveryPolicy = .disabled) throws {
    let configuration = AMQPConnectionConfiguration(
      heartbeat: heartbeat, connectionTimeout: .seconds(30), recovery: recovery)
    handler = AMQPConnectionHandler(
      configuration: configuration, clientProperties: [:], eventLoop: channel.eventLoop,
      logger: Logger(label: "test"))
    try channel.pipeline.syncOperations.addHandler(handler)
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5672)).wait()
  }

  /// Everything the client wrote since the last call, as frames (after the protocol header).
  func framesFromClient() throws -> [AMQPFrame] {
    channel.embeddedEventLoop.run()  // the handler's coalesced flush
    while var chunk = try channel.readOutbound(as: ByteBuffer.self) { outbound.writeBuffer(&chunk) }
    if !sawHeader, outbound.readableBytes >= 8 {
      #expect(outbound.readBytes(length: 8) == AMQPFraming.protocolHeader)
      sawHeader = true
    }
    var frames: [AMQPFrame] = []
    while let frame = try decoder.decodeFrame(from: &outbound) { frames.append(frame) }
    return frames
  }

  func send(_ frames: AMQPFrame...) throws {
    try send(frames)
  }

  func send(_ frames: [AMQPFrame]) throws {
    var buffer = ByteBuffer()
    for frame in frames { frame.encode(into: &buffer) }
    try channel.writeInbound(buffer)
  }

  func sendBytes(_ bytes: [UInt8]) throws {
    try channel.writeInbound(ByteBuffer(bytes: bytes))
  }

  /// Plays the handshake; returns when the client is connected.
  func handshake(heartbeat: UInt16 = 0) throws {
    try send(
      .method(
        channel: 0,
        .connectionStart(
          .init(versionMajor: 0, versionMinor: 9, mechanisms: "PLAIN", locales: "en_US"))))
    try send(
      .method(
        channel: 0, .connectionTune(.init(channelMax: 10, frameMax: 4096, heartbeat: heartbeat))))
    try send(.method(channel: 0, .connectionOpenOk(.init())))
    _ = try framesFromClient()
  }

  /// The error the connect promise failed with, if it did.
  func connectError() -> AMQPError? {
    var result: AMQPError?
    handler.connectPromise.futureResult.assumeIsolated().whenFailure { result = $0 as? AMQPError }
    return result
  }

  var isOpen: Bool { channel.isActive }
}

@Suite(.timeLimit(.minutes(1))) struct HandlerTests {
  @Test func httpServerIsReportedAsNotAMQPAndTheSocketClosed() throws {
    let broker = try FakeBroker()
    try broker.sendBytes(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
    let error = broker.connectError()
    #expect(error?.code == .protocolViolation)
    #expect(error?.protocolError?.code == .notAMQP)
    #expect(!broker.isOpen)
  }

  @Test func brokerRefusingTheVersionIsReported() throws {
    let broker = try FakeBroker()
    try broker.sendBytes(Array("AMQP".utf8) + [1, 1, 0, 10])  // offers AMQP 1.0
    let error = broker.connectError()
    #expect(error?.protocolError?.code == .protocolVersionMismatch)
    #expect(!broker.isOpen)
  }

  @Test func frameOnAnUnopenedChannelClosesTheConnectionWith504() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    try broker.send(.method(channel: 7, .basicQosOk(.init())))
    let frames = try broker.framesFromClient()
    guard case .method(0, .connectionClose(let close)) = frames.last else {
      Issue.record("expected connection.close, got \(frames)")
      return
    }
    #expect(close.replyCode == 504)
    #expect(broker.handler.closeError?.code == .protocolViolation)
  }

  @Test func frameLargerThanFrameMaxClosesWithFrameError() throws {
    let broker = try FakeBroker()
    try broker.handshake()  // frame_max 4096
    try broker.sendBytes([3, 0, 1, 0, 1, 0, 0])  // body frame announcing 65536 bytes
    let frames = try broker.framesFromClient()
    guard case .method(0, .connectionClose(let close)) = frames.last else {
      Issue.record("expected connection.close, got \(frames)")
      return
    }
    #expect(close.replyCode == 501)
  }

  @Test func invalidFieldTableTagClosesWithSyntaxError() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    // A content header whose headers table holds a value with the unknown tag 'Q'.
    var payload = ByteBuffer()
    payload.writeInteger(UInt16(60))
    payload.writeInteger(UInt16(0))
    payload.writeInteger(UInt64(0))
    payload.writeInteger(UInt16(0x2000))  // headers present
    payload.writeInteger(UInt32(3))
    payload.writeBytes([1, UInt8(ascii: "k"), UInt8(ascii: "Q")])  // tag 'Q' is not a type
    var frame = ByteBuffer()
    frame.writeInteger(UInt8(2))
    frame.writeInteger(UInt16(1))
    frame.writeInteger(UInt32(payload.readableBytes))
    frame.writeBuffer(&payload)
    frame.writeInteger(UInt8(0xCE))
    try broker.channel.writeInbound(frame)
    let frames = try broker.framesFromClient()
    guard case .method(0, .connectionClose(let close)) = frames.last else {
      Issue.record("expected connection.close, got \(frames)")
      return
    }
    #expect(close.replyCode == 502)
    #expect(broker.handler.closeError?.protocolError?.code == .invalidFieldType)
  }

  @Test func contentFramesOutOfOrderCloseWithUnexpectedFrame() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    let opened = broker.handler.openChannel()
    _ = try broker.framesFromClient()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    #expect(try opened.wait() == 1)
    try broker.send(.body(channel: 1, ByteBuffer(string: "stray")))
    let frames = try broker.framesFromClient()
    guard case .method(0, .connectionClose(let close)) = frames.last else {
      Issue.record("expected connection.close, got \(frames)")
      return
    }
    #expect(close.replyCode == 505)
  }

  @Test func pendingRequestFailsWhenTheConnectionDrops() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    let opened = broker.handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    _ = try opened.wait()
    let declare = broker.handler.request(.queueDeclare(.init(queue: "q")), channelID: 1)
    try broker.channel.close().wait()
    #expect(throws: AMQPError.self) { try declare.wait() }
  }

  @Test func silentBrokerIsDetectedAfterTwoHeartbeatIntervals() throws {
    let broker = try FakeBroker(heartbeat: 2)
    try broker.handshake(heartbeat: 2)
    // Ticks every second; we send heartbeats, the broker stays silent.
    broker.channel.embeddedEventLoop.advanceTime(by: .seconds(3))
    #expect(try broker.framesFromClient().contains(.heartbeat))
    #expect(broker.isOpen)
    broker.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
    #expect(!broker.isOpen)
    #expect(broker.handler.closeError?.code == .heartbeatTimeout)
  }

  @Test func silenceIsDeclaredAtTwoIntervalsNotAtTheNextHalfIntervalTick() throws {
    let broker = try FakeBroker(heartbeat: 2)
    try broker.handshake(heartbeat: 2)
    // Traffic at 0.3 s: silence reaches two intervals at 4.3 s, between the 4 s and 5 s ticks.
    broker.channel.embeddedEventLoop.advanceTime(by: .milliseconds(300))
    try broker.send(.heartbeat)
    broker.channel.embeddedEventLoop.advanceTime(by: .milliseconds(3_990))
    #expect(broker.isOpen)
    broker.channel.embeddedEventLoop.advanceTime(by: .milliseconds(20))
    #expect(!broker.isOpen, "declared dead at 4.301 s, not at the 5 s tick")
    #expect(broker.handler.closeError?.code == .heartbeatTimeout)
  }

  @Test func inboundTrafficKeepsTheConnectionAlive() throws {
    let broker = try FakeBroker(heartbeat: 2)
    try broker.handshake(heartbeat: 2)
    for _ in 0..<10 {
      broker.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
      try broker.send(.heartbeat)
    }
    #expect(broker.isOpen)
  }

  @Test func largeBodyIsSplitAtFrameMaxMinusEight() throws {
    let broker = try FakeBroker()
    try broker.handshake()  // frame_max 4096
    let opened = broker.handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    _ = try opened.wait()
    _ = try broker.framesFromClient()
    let body = ByteBuffer(repeating: 7, count: 10_000)
    _ = try broker.handler.publish(
      .init(routingKey: "q"), properties: .init(), body: body, channelID: 1, confirmation: nil)
    let frames = try broker.framesFromClient()
    let sizes = frames.compactMap { frame -> Int? in
      if case .body(_, let slice) = frame { return slice.readableBytes }
      return nil
    }
    #expect(sizes == [4088, 4088, 1824])
  }

  @Test func aPublishAnsweringALoneDeliveryLeadsWithItsMethodFrame() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    let opened = broker.handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    _ = try opened.wait()
    // A consumer that answers every delivery with a publish, as an RPC client or server does.
    let handler = NIOLoopBound(broker.handler, eventLoop: broker.channel.eventLoop)
    let answer: @Sendable () -> Void = {
      _ = try? handler.value.publish(
        .init(routingKey: "rpc_queue"), properties: .init(correlationID: "2"),
        body: ByteBuffer(string: "35"), channelID: 1, confirmation: nil)
    }
    let consumed = broker.handler.consume(
      .init(queue: "replies", noAck: true), channelID: 1, deliver: { _ in answer() },
      end: { _ in })
    try broker.send(.method(channel: 1, .basicConsumeOk(.init(consumerTag: "c"))))
    _ = try consumed.wait()
    _ = try broker.framesFromClient()
    let delivery: [AMQPFrame] = [
      .method(channel: 1, .basicDeliver(.init(consumerTag: "c", deliveryTag: 1, routingKey: "r"))),
      .header(channel: 1, AMQPContentHeader(bodySize: 2, properties: .init(correlationID: "1"))),
      .body(channel: 1, ByteBuffer(string: "55")),
    ]
    func writes() throws -> [Int] {  // frames per write the client made
      broker.channel.embeddedEventLoop.run()
      var decoder = AMQPFrameDecoder()
      var counts: [Int] = []
      while var chunk = try broker.channel.readOutbound(as: ByteBuffer.self) {
        var frames = 0
        while try decoder.decodeFrame(from: &chunk) != nil { frames += 1 }
        counts.append(frames)
      }
      return counts
    }
    // One delivery in a read: the answer's method frame goes at once, header and body after.
    try broker.send(delivery)
    #expect(try writes() == [1, 2])
    // Three deliveries in one read: the three answers leave in one write.
    try broker.send(delivery + delivery + delivery)
    #expect(try writes() == [9])
    // A publish not answering a delivery (a bulk publisher): one write.
    answer()
    #expect(try writes() == [3])
  }

  @Test func openingManyChannelsAtOnceGetsDistinctIDs() throws {
    let broker = try FakeBroker()
    try broker.handshake()  // channel_max 10
    let futures = (0..<10).map { _ in broker.handler.openChannel() }
    for id in 1...10 { try broker.send(.method(channel: UInt16(id), .channelOpenOk(.init()))) }
    let ids = try futures.map { try $0.wait() }
    #expect(Set(ids) == Set(1...10))
    let error = #expect(throws: AMQPError.self) { try broker.handler.openChannel().wait() }
    #expect(error?.code == .channelLimitReached)
  }
}

extension HandlerTests {
  @Test func consumerFallingBehindPausesSocketReads() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    let opened = broker.handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    _ = try opened.wait()
    let bound = NIOLoopBound(broker.handler, eventLoop: broker.channel.eventLoop)
    let started = broker.handler.consume(
      .init(queue: "q", noAck: true), channelID: 1, highWatermark: 2, handler: bound)
    try broker.send(.method(channel: 1, .basicConsumeOk(.init(consumerTag: "ctag"))))
    let (tag, sequence) = try started.wait()
    #expect(tag == "ctag")
    for index in 0..<2 {
      try broker.send(
        .method(
          channel: 1, .basicDeliver(.init(consumerTag: "ctag", deliveryTag: UInt64(index + 1)))),
        .header(channel: 1, AMQPContentHeader(bodySize: 1, properties: .init())),
        .body(channel: 1, ByteBuffer(string: "x")))
    }
    #expect(broker.handler.connection.readsPaused)
    withExtendedLifetime(sequence) {}
  }
}

extension HandlerTests {
  /// Before `expectsReply`, the no-wait declare registered a waiter that took the second
  /// declare's reply, and the second declare waited for ever.
  @Test func noWaitDeclareIsWrittenWithoutAWaiterAndTheNextDeclareGetsItsOwnReply() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    let opened = broker.handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    _ = try opened.wait()
    _ = try broker.framesFromClient()
    try broker.handler.sendUnanswered(
      .queueDeclare(.init(queue: "a", noWait: true)), channelID: 1)
    let declared = broker.handler.request(.queueDeclare(.init(queue: "b")), channelID: 1)
    #expect(
      try broker.framesFromClient() == [
        .method(channel: 1, .queueDeclare(.init(queue: "a", noWait: true))),
        .method(channel: 1, .queueDeclare(.init(queue: "b"))),
      ])
    try broker.send(.method(channel: 1, .queueDeclareOk(.init(queue: "b"))))
    #expect(try declared.wait() == .queueDeclareOk(.init(queue: "b")))
    #expect(broker.handler.topology.queues.keys.sorted() == ["a", "b"])
    #expect(broker.isOpen)
  }
}

extension HandlerTests {
  /// Before, the encoder cut the key to 255 bytes and published to another queue.
  @Test func publishWithARoutingKeyOrHeaderKeyOf256BytesIsRefusedBeforeAnythingIsWritten()
    throws
  {
    let broker = try FakeBroker()
    try broker.handshake()
    let opened = broker.handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    _ = try opened.wait()
    let confirming = broker.handler.confirmSelect(channelID: 1)
    try broker.send(.method(channel: 1, .confirmSelectOk(.init())))
    try confirming.wait()
    _ = try broker.framesFromClient()
    let long = String(repeating: "r", count: 256)
    let publishes: [(AMQPMethod.Basic.Publish, AMQPBasicProperties, String)] = [
      (.init(routingKey: long), .init(), "routing-key of basic.publish is 256 bytes"),
      (.init(routingKey: "q"), .init(headers: [long: "v"]), "of headers is 256 bytes"),
      (.init(routingKey: "q"), .init(replyTo: long), "reply-to is 256 bytes"),
    ]
    for (publish, properties, expected) in publishes {
      let error = #expect(throws: AMQPError.self) {
        try broker.handler.publish(
          publish, properties: properties, body: ByteBuffer(string: "x"), channelID: 1,
          confirmation: nil)
      }
      #expect(error?.code == .shortStringTooLong)
      #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
    }
    #expect(try broker.framesFromClient() == [])
    // No delivery tag was taken by the refused publishes.
    let tag = try broker.handler.publish(
      .init(routingKey: String(repeating: "r", count: 255)), properties: .init(),
      body: ByteBuffer(string: "x"), channelID: 1, confirmation: nil)
    #expect(tag == 1)
  }

  @Test func declareWithAQueueNameOf256BytesFailsWithoutWritingOrWaiting() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    let opened = broker.handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    _ = try opened.wait()
    _ = try broker.framesFromClient()
    let name = String(repeating: "q", count: 256)
    let declared = broker.handler.request(.queueDeclare(.init(queue: name)), channelID: 1)
    let error = #expect(throws: AMQPError.self) { try declared.wait() }
    #expect(error?.code == .shortStringTooLong)
    #expect(error?.message.contains("queue of queue.declare is 256 bytes") == true)
    #expect(try broker.framesFromClient() == [])
    // Nothing waits: the next declare gets its own reply.
    let next = broker.handler.request(.queueDeclare(.init(queue: "q")), channelID: 1)
    try broker.send(.method(channel: 1, .queueDeclareOk(.init(queue: "q"))))
    #expect(try next.wait() == .queueDeclareOk(.init(queue: "q")))
  }
}

extension HandlerTests {
  /// Opens channel 1 with a callback consumer "c" that collects its deliveries.
  private func consumingChannel(_ broker: FakeBroker) throws -> NIOLoopBound<Box<[AMQPMessage]>> {
    let opened = broker.handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    _ = try opened.wait()
    let received = NIOLoopBound(Box<[AMQPMessage]>([]), eventLoop: broker.channel.eventLoop)
    let consumed = broker.handler.consume(
      .init(queue: "q", noAck: true), channelID: 1,
      deliver: { received.value.value.append($0) }, end: { _ in })
    try broker.send(.method(channel: 1, .basicConsumeOk(.init(consumerTag: "c"))))
    _ = try consumed.wait()
    _ = try broker.framesFromClient()
    return received
  }

  @Test func deliveryWith20KilobytesOfHeadersOnAConnectionWithFrameMax4096IsDelivered() throws {
    let broker = try FakeBroker()
    try broker.handshake()  // frame_max 4096
    let received = try consumingChannel(broker)
    let headers = AMQPFieldTable([("x-big", .string(String(repeating: "h", count: 20_000)))])
    try broker.send(
      .method(channel: 1, .basicDeliver(.init(consumerTag: "c", deliveryTag: 1))),
      .header(channel: 1, AMQPContentHeader(bodySize: 2, properties: .init(headers: headers))),
      .body(channel: 1, ByteBuffer(string: "35")))
    #expect(received.value.value.count == 1)
    let sameHeaders = received.value.value.first?.properties.headers == headers
    #expect(sameHeaders)  // a Bool: a failure must not print 20 kB
    #expect(broker.isOpen)
  }

  @Test func contentHeaderAnnouncingABodyOfUInt64MaxClosesTheConnectionWithFrameError() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    let received = try consumingChannel(broker)
    try broker.send(
      .method(channel: 1, .basicDeliver(.init(consumerTag: "c", deliveryTag: 1))),
      .header(channel: 1, AMQPContentHeader(bodySize: .max, properties: .init())))
    let frames = try broker.framesFromClient()
    guard case .method(0, .connectionClose(let close)) = frames.last else {
      Issue.record("expected connection.close, got \(frames)")
      return
    }
    #expect(close.replyCode == 501)
    #expect(broker.handler.closeError?.protocolError?.code == .messageTooLarge)
    #expect(received.value.value.isEmpty)
  }
}

/// A mutable value for tests, confined to one event loop by `NIOLoopBound`.
final class Box<Value> {
  var value: Value
  init(_ value: Value) { self.value = value }
}

extension HandlerTests {
  /// The application closes channel 1 as the broker closes it with 404. Before, the
  /// broker's close freed the id, its close-ok for our close came on "an unopened channel",
  /// and the whole connection closed with 504.
  @Test func crossingChannelCloseKeepsTheConnectionAndTheIDUntilOurCloseOk() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    var opened: [EventLoopFuture<UInt16>] = []
    for id: UInt16 in [1, 2] {
      opened.append(broker.handler.openChannel())
      try broker.send(.method(channel: id, .channelOpenOk(.init())))
    }
    #expect(try opened.map { try $0.wait() } == [1, 2])
    _ = try broker.framesFromClient()
    let closed = broker.handler.closeChannel(1)
    #expect(
      try broker.framesFromClient() == [
        .method(channel: 1, .channelClose(.init(replyCode: 200, replyText: "Goodbye")))
      ])
    try broker.send(
      .method(
        channel: 1,
        .channelClose(
          .init(replyCode: 404, replyText: "NOT_FOUND - no exchange 'x'", classID: 60, methodID: 40)
        )
      ))
    #expect(try broker.framesFromClient() == [.method(channel: 1, .channelCloseOk(.init()))])
    try closed.wait()  // the channel is closed, as asked
    // Until our close-ok arrives, id 1 is not handed out again.
    let third = broker.handler.openChannel()
    try broker.send(.method(channel: 3, .channelOpenOk(.init())))
    #expect(try third.wait() == 3)
    try broker.send(.method(channel: 1, .channelCloseOk(.init())))
    #expect(broker.isOpen)
    #expect(broker.handler.closeError == nil)
    // Channel 2 still works, and id 1 is free again.
    let qos = broker.handler.request(.basicQos(.init(prefetchCount: 1)), channelID: 2)
    try broker.send(.method(channel: 2, .basicQosOk(.init())))
    #expect(try qos.wait() == .basicQosOk(.init()))
    let reused = broker.handler.openChannel()
    try broker.send(.method(channel: 1, .channelOpenOk(.init())))
    #expect(try reused.wait() == 1)
  }

  @Test func strayCloseAndCloseOkOnAChannelNotOpenAreAnsweredOrIgnored() throws {
    let broker = try FakeBroker()
    try broker.handshake()
    try broker.send(.method(channel: 4, .channelCloseOk(.init())))
    try broker.send(.method(channel: 5, .channelClose(.init(replyCode: 404))))
    try broker.send(.method(channel: .max, .channelClose(.init(replyCode: 404))))
    #expect(
      try broker.framesFromClient() == [
        .method(channel: 5, .channelCloseOk(.init())),
        .method(channel: .max, .channelCloseOk(.init())),
      ])
    #expect(broker.isOpen)
    #expect(broker.handler.closeError == nil)
  }
}
