import Foundation
import Testing
import Tracing

@testable import RPCCommandLine

/// `--trace-file`'s tracer: W3C `traceparent` read strictly, spans written as JSON lines.
@Suite struct JSONLinesTracerTests {
  @Test func traceparentIsParsedStrictly() {
    let valid = TraceParent(header: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    #expect(valid?.traceID == "0af7651916cd43dd8448eb211c80319c")
    #expect(valid?.spanID == "b7ad6b7169203331")
    for bad in [
      "", "00", "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
      "00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01",
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333g-01",
      String(repeating: "-", count: 10_000),
    ] {
      #expect(TraceParent(header: bad) == nil, "\(bad.prefix(60))")
    }
  }

  @Test func aChildSpanLineNamesItsParentAndTheSameTrace() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("spans-\(UUID().uuidString).jsonl").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let tracer = try JSONLinesTracer(path: path)
    let parent = tracer.startSpan("send q", context: .topLevel, ofKind: .producer)
    var headers: [String: String] = [:]
    tracer.inject(parent.context, into: &headers, using: DictionaryInjector())
    var extracted = InstrumentationContext.topLevel
    tracer.extract(headers, into: &extracted, using: DictionaryExtractor())
    let child = tracer.startSpan("process q", context: extracted, ofKind: .consumer)
    child.attributes["messaging.system"] = "rabbitmq"
    child.attributes["messaging.message.body.size"] = 2
    child.setStatus(SpanStatus(code: .error, message: "a \"quoted\"\nline"))
    child.end()
    parent.end()
    parent.end()  // once only

    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)
    let objects = try lines.map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    let (childLine, parentLine) = (objects[0], objects[1])
    #expect(childLine["trace_id"] as? String == parentLine["trace_id"] as? String)
    #expect(childLine["parent_span_id"] as? String == parentLine["span_id"] as? String)
    #expect(parentLine["parent_span_id"] is NSNull)
    #expect(childLine["kind"] as? String == "consumer")
    #expect(childLine["status"] as? String == "error")
    #expect(childLine["status_message"] as? String == "a \"quoted\"\nline")
    let attributes = try #require(childLine["attributes"] as? [String: Any])
    #expect(attributes["messaging.system"] as? String == "rabbitmq")
    #expect(attributes["messaging.message.body.size"] as? Int == 2)
    let headerValue = try #require(headers["traceparent"])
    #expect(TraceParent(header: headerValue)?.spanID == parentLine["span_id"] as? String)
  }
}

private struct DictionaryInjector: Injector {
  func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
    carrier[key] = value
  }
}

private struct DictionaryExtractor: Extractor {
  func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}
