import AMQPProtocol
import FuzzHarness
import NIOCore
import Testing

@Suite struct FrameDecoderTests {
  private let stream: [AMQPFrame] = [
    .method(channel: 1, .basicPublish(.init(exchange: "", routingKey: "rpc_queue"))),
    .header(channel: 1, AMQPContentHeader(bodySize: 2, properties: .init(correlationID: "c"))),
    .body(channel: 1, ByteBuffer(string: "35")),
    .heartbeat,
    .method(channel: 0, .connectionCloseOk(.init())),
  ]

  @Test(arguments: [1, 2, 3, 7, 8, 13, 64, Int.max])
  func framesSplitAndMergedAtAnyBoundaryDecodeTheSame(chunkSize: Int) throws {
    let bytes = stream.flatMap(\.bytes)
    #expect(try decodeAll(bytes, chunkSize: chunkSize) == stream)
  }

  @Test func incompleteFrameConsumesNothing() throws {
    var decoder = AMQPFrameDecoder()
    let bytes = stream[0].bytes
    var buffer = ByteBuffer(bytes: bytes.dropLast())
    #expect(try decoder.decodeFrame(from: &buffer) == nil)
    #expect(buffer.readableBytes == bytes.count - 1)
  }

  @Test func frameLargerThanNegotiatedMaxIsRejectedBeforeItsPayloadArrives() {
    var decoder = AMQPFrameDecoder(maximumFrameSize: 4096)
    // Only the 7-byte header of a frame announcing 1 GiB.
    var buffer = ByteBuffer(bytes: hex("03 00 01 40 00 00 00"))
    let error = #expect(throws: AMQPProtocolError.self) {
      _ = try decoder.decodeFrame(from: &buffer)
    }
    #expect(error?.code == .frameTooLarge)
  }

  @Test func badFrameEndIsRejected() {
    var bytes = AMQPFrame.heartbeat.bytes
    bytes[bytes.count - 1] = 0xAB
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(bytes) }
    #expect(error?.code == .badFrameEnd)
    #expect(error?.offendingBytes == [0xAB])
  }

  @Test func unknownClassAndMethodIsRejectedNamingBoth() {
    let bytes = hex("01 00 01 00 00 00 04 00 63 00 05 ce")  // class 99, method 5
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(bytes) }
    #expect(error?.code == .unknownMethod)
    #expect(error?.classID == 99)
    #expect(error?.methodID == 5)
  }

  @Test func truncatedMethodPayloadIsRejected() {
    // basic.qos with only the prefetch-size: the frame is complete but its arguments are not.
    let bytes = hex("01 00 01 00 00 00 08 00 3c 00 0a 00 00 00 00 ce")
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(bytes) }
    #expect(error?.code == .truncatedPayload)
    #expect(error?.classID == 60)
  }

  @Test func extraBytesAfterMethodArgumentsAreRejected() {
    let bytes = hex("01 00 01 00 00 00 05 00 14 00 29 ff ce")  // channel.close-ok + 1 byte
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(bytes) }
    #expect(error?.code == .trailingBytes)
  }

  @Test func httpPeerIsReportedAsNotAMQP() {
    let bytes = Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(bytes) }
    #expect(error?.code == .notAMQP)
    #expect(error?.message.contains("HTTP/1.1 400") == true)
  }

  @Test func tlsPortAnsweringPlainAMQPIsReportedAsTLS() {
    let bytes = hex("15 03 01 00 02 02 0a")  // RabbitMQ's TLS listener: alert unexpected_message
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(bytes, chunkSize: 1) }
    #expect(error?.code == .notAMQP)
    #expect(error?.message.contains("speaks TLS") == true)
    #expect(error?.message.contains("amqps://") == true)
  }

  @Test func brokerRefusingOurVersionIsReportedWithItsOffer() {
    let bytes = hex("41 4d 51 50 01 01 00 0a")  // AMQP 1.0.0 (as RabbitMQ's AMQP 1.0 header)
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(bytes, chunkSize: 3) }
    #expect(error?.code == .protocolVersionMismatch)
  }

  @Test func unknownFrameTypeAfterTheFirstFrameIsRejected() {
    let bytes = AMQPFrame.heartbeat.bytes + hex("05 00 00 00 00 00 00 ce")
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(bytes) }
    #expect(error?.code == .unknownFrameType)
  }

  @Test func contentHeaderForAnotherClassIsRejected() {
    let bytes = hex("02 00 01 00 00 00 0e 00 32 00 00 00 00 00 00 00 00 00 00 00 00 ce")
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(bytes) }
    #expect(error?.code == .invalidContentHeader)
  }

  /// A seeded stream of random bytes — some of it well-formed frames with corrupted bytes —
  /// must only ever produce frames or a thrown error, never a trap.
  @Test func randomBytesNeverTrap() {
    var generator = SplitMix64(seed: 0x5EED)
    let valid = stream.flatMap(\.bytes)
    var outcomes = (frames: 0, errors: 0)
    for round in 0..<5_000 {
      var bytes: [UInt8]
      if round % 2 == 0 {
        bytes = valid
        for _ in 0..<Int(generator.next() % 4 + 1) {
          bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(
            truncatingIfNeeded: generator.next())
        }
      } else {
        bytes = (0..<Int(generator.next() % 64)).map { _ in
          UInt8(truncatingIfNeeded: generator.next())
        }
        bytes.insert(UInt8(generator.next() % 9), at: 0)
      }
      do {
        outcomes.frames += try decodeAll(bytes, chunkSize: Int(generator.next() % 16 + 1)).count
      } catch {
        outcomes.errors += 1
      }
    }
    #expect(outcomes.frames > 0)
    #expect(outcomes.errors > 0)
  }
}
