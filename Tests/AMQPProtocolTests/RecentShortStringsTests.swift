import AMQPProtocol
import NIOCore
import Testing

@Suite struct RecentShortStringsTests {
  private func deliver(consumerTag: String, routingKey: String) -> [UInt8] {
    AMQPFrame.method(
      channel: 1,
      .basicDeliver(.init(consumerTag: consumerTag, deliveryTag: 1, routingKey: routingKey))
    ).bytes
  }

  private func decodeDeliver(_ decoder: inout AMQPFrameDecoder, _ bytes: [UInt8]) throws
    -> AMQPMethod.Basic.Deliver?
  {
    var buffer = ByteBuffer(bytes: bytes)
    guard case .method(_, .basicDeliver(let deliver)) = try decoder.decodeFrame(from: &buffer)
    else { return nil }
    return deliver
  }

  private func storage(_ string: String) -> UnsafeRawPointer? {
    string.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
  }

  @Test func repeatedLongStringsAreSharedAndDifferentOnesKeptApart() throws {
    var decoder = AMQPFrameDecoder()
    let tag = "amq.ctag-7GxQ0GzUuVZTn6nY3JZ_Pg"
    let queue = "amq.gen-JzTY20BRgKO-HjmUJj0wLg"
    let first = try #require(
      try decodeDeliver(&decoder, deliver(consumerTag: tag, routingKey: queue)))
    let second = try #require(
      try decodeDeliver(&decoder, deliver(consumerTag: tag, routingKey: queue)))
    #expect(second.consumerTag == tag && second.routingKey == queue)
    #expect(storage(first.consumerTag) == storage(second.consumerTag))  // one allocation
    // Same length, one byte apart: a new string, not the remembered one.
    let other = String(tag.dropLast()) + "h"
    let third = try #require(
      try decodeDeliver(&decoder, deliver(consumerTag: other, routingKey: queue)))
    #expect(third.consumerTag == other)
    // More distinct strings than are remembered: values stay right.
    for index in 0..<10 {
      let name = "amq.gen-queue-number-\(index)-padding"
      let decoded = try #require(
        try decodeDeliver(&decoder, deliver(consumerTag: tag, routingKey: name)))
      #expect(decoded.routingKey == name && decoded.consumerTag == tag)
    }
  }
}
