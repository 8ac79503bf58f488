import AMQPProtocol
import NIOCore
import Testing

@Suite struct FrameGoldenBytesTests {
  @Test func heartbeatIsEightBytesOnChannelZero() {
    #expect(AMQPFrame.heartbeat.bytes == hex("08 00 00 00 00 00 00 ce"))
  }

  @Test func basicQosEncodesLongShortAndBit() throws {
    let frame = AMQPFrame.method(channel: 1, .basicQos(.init(prefetchCount: 1)))
    let expected = hex("01 00 01 00 00 00 0b 00 3c 00 0a 00 00 00 00 00 01 00 ce")
    #expect(frame.bytes == expected)
    #expect(try decodeAll(expected) == [frame])
  }

  @Test func queueDeclarePacksConsecutiveBitsLowestFirst() throws {
    let frame = AMQPFrame.method(
      channel: 2, .queueDeclare(.init(queue: "q", durable: true, exclusive: true)))
    // class 50 method 10, reserved short, shortstr "q", bits 0b00110, empty table.
    let expected = hex("01 00 02 00 00 00 0d 00 32 00 0a 00 00 01 71 06 00 00 00 00 ce")
    #expect(frame.bytes == expected)
    #expect(try decodeAll(expected) == [frame])
  }

  @Test func contentHeaderWritesOnlyPresentPropertiesAfterTheFlagWord() {
    let header = AMQPContentHeader(
      bodySize: 2, properties: AMQPBasicProperties(correlationID: "c1", replyTo: "r"))
    // correlation-id is the 6th property (bit 10), reply-to the 7th (bit 9): 0x0600.
    let expected = hex(
      "02 00 01 00 00 00 13 00 3c 00 00 00 00 00 00 00 00 00 02 06 00 02 63 31 01 72 ce")
    #expect(AMQPFrame.header(channel: 1, header).bytes == expected)
  }

  @Test func bodyFrameCarriesBytesVerbatim() throws {
    let frame = AMQPFrame.body(channel: 3, ByteBuffer(string: "35"))
    #expect(frame.bytes == hex("03 00 03 00 00 00 02 33 35 ce"))
    #expect(try decodeAll(frame.bytes) == [frame])
  }

  @Test func protocolHeaderIsAMQP0091() {
    #expect(AMQPFraming.protocolHeader == hex("41 4d 51 50 00 00 09 01"))
  }
}
