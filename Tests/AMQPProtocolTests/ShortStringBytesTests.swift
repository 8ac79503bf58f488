import AMQPProtocol
import NIOCore
import Testing

/// A short string is bytes on the wire: properties that are not UTF-8 survive a round trip.
@Suite struct ShortStringBytesTests {
  /// A content header with only `correlation-id` (flag 0x0400) holding `id`.
  func header(correlationID id: [UInt8]) -> [UInt8] {
    let payload: [UInt8] =
      [0x00, 0x3c, 0x00, 0x00] + [UInt8](repeating: 0, count: 8) + [0x04, 0x00]
      + [UInt8(id.count)] + id
    return [0x02, 0x00, 0x01] + withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init)
      + payload + [0xce]
  }

  func properties(_ frame: AMQPFrame?) -> AMQPBasicProperties? {
    guard case .header(_, let header) = frame else { return nil }
    return header.properties
  }

  @Test(
    arguments: [
      [0xff], [0x41, 0xc3], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0x00, 0xfe, 0x41], [],
    ] as [[UInt8]])
  func aCorrelationIDThatIsNotUTF8IsSentBackByteForByte(id: [UInt8]) throws {
    let wire = header(correlationID: id)
    let received = try #require(properties(try decodeAll(wire).first))
    #expect(received.correlationIDBytes == id)
    // Re-encoded as it came, and copied onto new properties as it came.
    #expect(AMQPFrame.header(channel: 1, .init(bodySize: 0, properties: received)).bytes == wire)
    var reply = AMQPBasicProperties()
    reply.correlationIDBytes = received.correlationIDBytes
    #expect(AMQPFrame.header(channel: 1, .init(bodySize: 0, properties: reply)).bytes == wire)
  }

  @Test func aLongIDThatIsNotUTF8IsCheckedByItsBytesNotByItsText() throws {
    // 200 invalid bytes show as 600 bytes of U+FFFD, but are sent as the 200 they are.
    let id = [UInt8](repeating: 0xff, count: 200)
    let received = try #require(properties(try decodeAll(header(correlationID: id)).first))
    #expect(received.correlationID?.utf8.count == 600)
    #expect(received.oversizedShortString == nil)
    var tooLong = AMQPBasicProperties()
    tooLong.correlationIDBytes = [UInt8](repeating: 0xff, count: 256)
    #expect(tooLong.oversizedShortString?.length == 256)
  }

  @Test func anEmptyCorrelationIDIsPresentAndEmptyNotAbsent() throws {
    let received = try #require(properties(try decodeAll(header(correlationID: [])).first))
    #expect(received.correlationID == "")
    #expect(received.correlationIDBytes == [])
    #expect(AMQPBasicProperties().correlationIDBytes == nil)
  }

  @Test func settingTheTextAgainForgetsTheReceivedBytes() throws {
    var received = try #require(properties(try decodeAll(header(correlationID: [0xff])).first))
    #expect(!received.shortStringsAreUTF8)
    received.correlationID = "plain"
    #expect(received.shortStringsAreUTF8)
    #expect(received.correlationIDBytes == Array("plain".utf8))
  }

  @Test func validUTF8StaysPlainText() throws {
    let id = Array("idé-7".utf8)
    let received = try #require(properties(try decodeAll(header(correlationID: id)).first))
    #expect(received.shortStringsAreUTF8)
    #expect(received.correlationID == "idé-7")
  }
}
