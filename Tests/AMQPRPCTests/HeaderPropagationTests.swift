import AMQPProtocol
import Testing

@testable import AMQPRPC

/// The trace-context carrier over AMQP headers: written as strings; read only from a string
/// or a byte array of at most 8 KiB of UTF-8, whatever else a peer puts there.
@Suite struct HeaderPropagationTests {
  let extractor = AMQPHeaderExtractor()

  @Test func injectedValuesAreStringsReadBackAsThey() {
    var headers: AMQPFieldTable = ["x-rpc-deadline": .int64(5)]
    AMQPHeaderInjector().inject(
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", forKey: "traceparent",
      into: &headers)
    #expect(
      headers["traceparent"] == .string("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
    #expect(headers["x-rpc-deadline"] == .int64(5))
    #expect(
      extractor.extract(key: "traceparent", from: headers)
        == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
  }

  @Test func byteArraysOfUTF8AreRead() {
    let headers: AMQPFieldTable = ["tracestate": .bytes(Array("congo=t61rcWkgMzE".utf8))]
    #expect(extractor.extract(key: "tracestate", from: headers) == "congo=t61rcWkgMzE")
  }

  @Test func anythingElseReadsAsAbsent() {
    let limit = AMQPHeaderExtractor.maximumValueBytes
    let headers: AMQPFieldTable = [
      "int": .int64(1), "bool": .bool(true), "table": .table(["traceparent": .string("x")]),
      "array": .array([.string("x")]), "void": .void, "timestamp": .timestamp(1),
      "long": .string(String(repeating: "a", count: limit + 1)),
      "longBytes": .bytes(Array(repeating: 0x61, count: limit + 1)),
      "notUTF8": .bytes([0xFF, 0xFE, 0xC3]),
    ]
    for (key, _) in headers.entries {
      #expect(extractor.extract(key: key, from: headers) == nil, "\(key)")
    }
    #expect(extractor.extract(key: "missing", from: headers) == nil)
    let atLimit: AMQPFieldTable = ["ok": .string(String(repeating: "a", count: limit))]
    #expect(extractor.extract(key: "ok", from: atLimit)?.utf8.count == limit)
  }

  @Test func everyExtremeFieldValueIsReadWithoutATrap() {
    for value in FieldValueExtremes.all {
      let read = extractor.extract(key: "k", from: ["k": value])
      #expect((read?.utf8.count ?? 0) <= AMQPHeaderExtractor.maximumValueBytes)
    }
  }
}
