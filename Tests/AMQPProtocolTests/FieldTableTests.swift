import AMQPProtocol
import NIOCore
import Testing

@Suite struct FieldTableTests {
  private func roundTrip(_ table: AMQPFieldTable) throws -> AMQPFieldTable {
    var buffer = ByteBuffer()
    buffer.writeAMQPTable(table)
    return try buffer.readAMQPTable()
  }

  @Test func everyRabbitMQTypeTagSurvivesEncodeAndDecode() throws {
    let table: AMQPFieldTable = [
      "t": .bool(true), "b": .int8(-3), "B": .uint8(250), "s": .int16(-300), "u": .uint16(60_000),
      "I": .int32(-70_000), "i": .uint32(4_000_000_000), "l": .int64(-5_000_000_000),
      "f": .float(1.5), "d": .double(-2.25), "D": .decimal(scale: 2, value: 12_345),
      "S": "héllo", "A": .array([.int64(1), "two", .array([.void])]),
      "T": .timestamp(1_700_000_000),
      "F": .table(["inner": .bool(false)]), "x": .bytes([0, 255, 7]), "V": .void,
    ]
    #expect(try roundTrip(table) == table)
  }

  @Test func shortStringsLongerThan255BytesAreCutConsistently() throws {
    // The encoders size a frame before writing it; a cut string must be sized as cut.
    let long = String(repeating: "é", count: 200)  // 400 bytes of UTF-8
    let table: AMQPFieldTable = [long: .string(long)]
    let decoded = try roundTrip(table)
    let key = try #require(decoded.entries.first?.key)
    #expect(key.utf8.count == 254 && long.hasPrefix(key))  // 127 × "é": no split character
    #expect(decoded.entries.first?.value == .string(long))  // long strings are not cut

    var buffer = ByteBuffer()
    AMQPFrame.method(channel: 1, .basicPublish(.init(routingKey: long))).encode(into: &buffer)
    var decoder = AMQPFrameDecoder()
    guard case .method(_, .basicPublish(let publish)) = try decoder.decodeFrame(from: &buffer)
    else {
      Issue.record("no publish decoded")
      return
    }
    #expect(publish.routingKey.utf8.count == 254 && long.hasPrefix(publish.routingKey))
    #expect(buffer.readableBytes == 0)
  }

  @Test func int16UsesRabbitMQsLowercaseSTag() {
    var buffer = ByteBuffer()
    buffer.writeAMQPTable(["k": .int16(1)])
    #expect(Array(buffer.readableBytesView) == hex("00 00 00 05 01 6b 73 00 01"))
  }

  @Test func unknownTypeTagIsRejected() {
    var buffer = ByteBuffer(bytes: hex("00 00 00 04 01 6b 51 00"))  // tag 'Q'
    let error = #expect(throws: AMQPProtocolError.self) { _ = try buffer.readAMQPTable() }
    #expect(error?.code == .invalidFieldType)
    #expect(error?.offendingBytes == [0x51])
  }

  @Test func tableSizeBeyondThePayloadIsATruncation() {
    var buffer = ByteBuffer(bytes: hex("00 00 10 00 01 6b"))
    let error = #expect(throws: AMQPProtocolError.self) { _ = try buffer.readAMQPTable() }
    #expect(error?.code == .truncatedPayload)
  }

  @Test func hostileNestingIsRejectedInsteadOfExhaustingTheStack() {
    var table = AMQPFieldTable()
    for _ in 0..<200 { table = ["n": .table(table)] }
    var buffer = ByteBuffer()
    buffer.writeAMQPTable(table)
    let error = #expect(throws: AMQPProtocolError.self) { _ = try buffer.readAMQPTable() }
    #expect(error?.code == .invalidFieldType)
  }

  @Test func settingAKeyReplacesItAndNilRemovesIt() {
    var table: AMQPFieldTable = ["a": 1, "b": 2]
    table["a"] = "x"
    table["b"] = nil
    #expect(table == ["a": "x"])
  }
}
