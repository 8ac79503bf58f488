import AMQPProtocol
import NIOCore
import Testing

/// `frame_max` bounds body frames; the message limit bounds every frame and every body.
@Suite struct FrameSizeLimitTests {
  /// RabbitMQ sends a content header whole whatever the frame_max (a consumer on
  /// `frame_max=8192` receiving 20 kB of headers used to fail with "frame … exceeds
  /// frame_max 8192").
  @Test func contentHeaderLargerThanFrameMaxIsAccepted() throws {
    let headers = AMQPFieldTable([("x-big", .string(String(repeating: "h", count: 20_000)))])
    let frame = AMQPFrame.header(
      channel: 1, AMQPContentHeader(bodySize: 2, properties: .init(headers: headers)))
    #expect(frame.bytes.count > 20_000)
    let decoded = try decodeAll(frame.bytes, chunkSize: 4096, frameMax: 8192)
    let same = decoded == [frame]
    #expect(same)  // a Bool: a failure must not print 20 kB
  }

  @Test func methodFrameLargerThanFrameMaxIsAccepted() throws {
    let arguments = AMQPFieldTable([("x-note", .string(String(repeating: "a", count: 6000)))])
    let frame = AMQPFrame.method(
      channel: 1, .queueDeclare(.init(queue: "q", arguments: arguments)))
    #expect(try decodeAll(frame.bytes, frameMax: 4096) == [frame])
  }

  @Test func bodyFrameOneByteOverFrameMaxIsRejectedFromItsSevenByteHeader() throws {
    let fits = AMQPFrame.body(channel: 1, ByteBuffer(repeating: 1, count: 8192 - 8))
    #expect(try decodeAll(fits.bytes, frameMax: 8192) == [fits])
    var decoder = AMQPFrameDecoder(maximumFrameSize: 8192)
    var header = ByteBuffer(bytes: hex("03 00 01 00 00 1f f9"))  // payload 8185: 8193 in all
    let error = #expect(throws: AMQPProtocolError.self) {
      _ = try decoder.decodeFrame(from: &header)
    }
    #expect(error?.code == .frameTooLarge)
    #expect(
      error?.message.contains("body frame of 8193 bytes on channel 1 exceeds frame_max 8192")
        == true)
  }

  @Test func contentHeaderBeyondTheMessageLimitIsRejectedBeforeItsPayloadArrives() {
    var decoder = AMQPFrameDecoder(maximumFrameSize: 4096, maximumMessageSize: 1 << 20)
    var header = ByteBuffer(bytes: hex("02 00 01 00 20 00 00"))  // announces 2 MiB
    let error = #expect(throws: AMQPProtocolError.self) {
      _ = try decoder.decodeFrame(from: &header)
    }
    #expect(error?.code == .frameTooLarge)
    #expect(error?.message.contains("limit of 1048584 bytes") == true)
  }

  /// A 16 MiB method or header frame costs up to ~400 MiB once its tables are decoded.
  @Test func methodOrHeaderFrameAbove16MiBIsRejectedWhateverTheMessageLimit() {
    for type: UInt8 in [1, 2] {
      var decoder = AMQPFrameDecoder(maximumFrameSize: 0, maximumMessageSize: 512 << 20)
      var header = ByteBuffer(bytes: [type] + hex("00 01 01 00 00 01"))  // 16 MiB + 1
      let error = #expect(throws: AMQPProtocolError.self) {
        _ = try decoder.decodeFrame(from: &header)
      }
      #expect(error?.code == .frameTooLarge)
    }
  }

  /// frame_max 0 means "no limit" in the protocol; a peer still cannot make us buffer 4 GiB.
  @Test func frameMaxZeroStillBoundsEveryFrameByTheMessageLimit() throws {
    for type: UInt8 in [1, 2, 3, 8] {
      var decoder = AMQPFrameDecoder(maximumFrameSize: 0)
      var header = ByteBuffer(bytes: [type] + hex("00 01 ff ff ff ff"))  // UInt32.max payload
      let error = #expect(throws: AMQPProtocolError.self) {
        _ = try decoder.decodeFrame(from: &header)
      }
      #expect(error?.code == .frameTooLarge)
    }
    let body = AMQPFrame.body(channel: 1, ByteBuffer(repeating: 7, count: 1 << 20))
    #expect(try decodeAll(body.bytes, frameMax: 0) == [body])
  }

  @Test(arguments: [UInt64.max, UInt64(1) << 32, UInt64(128 << 20) + 1])
  func contentHeaderAnnouncingABodyAboveTheMessageLimitIsRejected(bodySize: UInt64) {
    let frame = AMQPFrame.header(
      channel: 2, AMQPContentHeader(bodySize: bodySize, properties: .init()))
    let error = #expect(throws: AMQPProtocolError.self) { _ = try decodeAll(frame.bytes) }
    #expect(error?.code == .messageTooLarge)
    #expect(error?.message.contains("\(bodySize) bytes") == true)
  }

  @Test func contentHeaderAnnouncingExactlyTheMessageLimitIsAccepted() throws {
    let frame = AMQPFrame.header(
      channel: 2, AMQPContentHeader(bodySize: 128 << 20, properties: .init()))
    #expect(try decodeAll(frame.bytes) == [frame])
  }
}
