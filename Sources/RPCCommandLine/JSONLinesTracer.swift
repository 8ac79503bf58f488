import NIOConcurrencyHelpers
import RPCDashboards
import Tracing

/// `--trace-file`: a tracer that writes each finished span as one JSON line, so one trace
/// can be followed across processes without a collector. Its context travels as a W3C Trace
/// Context `traceparent` (<https://www.w3.org/TR/trace-context/>): version `00`, a 16-byte
/// trace id and an 8-byte parent id in lowercase hex, flags `01`.
///
/// A line: `{"trace_id":…,"span_id":…,"parent_span_id":…|null,"name":…,"kind":…,
/// "start_us":…,"end_us":…,"status":"ok"|"error","status_message":…,"attributes":{…}}`,
/// times in microseconds since the Unix epoch.
package struct JSONLinesTracer: Tracer {
  package typealias Span = JSONLinesSpan

  private let sink: FileLogSink

  /// Appends to the file at `path`.
  package init(path: String) throws {
    sink = try FileLogSink(path: path, role: "trace file")
  }

  package func startSpan<Instant: TracerInstant>(
    _ operationName: String, context: @autoclosure () -> InstrumentationContext,
    ofKind kind: SpanKind, at instant: @autoclosure () -> Instant, function: String,
    file fileID: String, line: UInt
  ) -> JSONLinesSpan {
    var context = context()
    let parent = context.traceParent
    let ids = TraceParent(
      traceID: parent?.traceID ?? Self.hex(bytes: 16), spanID: Self.hex(bytes: 8))
    context.traceParent = ids
    return JSONLinesSpan(
      name: operationName, context: context, ids: ids, parentSpanID: parent?.spanID,
      kind: kind, startNanoseconds: instant().nanosecondsSinceEpoch, sink: sink)
  }

  package func forceFlush() {}

  package func inject<Carrier, Inject: Injector>(
    _ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject
  ) where Inject.Carrier == Carrier {
    guard let ids = context.traceParent else { return }
    injector.inject("00-\(ids.traceID)-\(ids.spanID)-01", forKey: "traceparent", into: &carrier)
  }

  package func extract<Carrier, Extract: Extractor>(
    _ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract
  ) where Extract.Carrier == Carrier {
    guard let value = extractor.extract(key: "traceparent", from: carrier),
      let ids = TraceParent(header: value)
    else { return }
    context.traceParent = ids
  }

  static func hex(bytes: Int) -> String {
    var text = ""
    for _ in 0..<bytes {
      let byte = UInt8.random(in: 0...255)
      text += String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
    }
    return text
  }
}

/// A trace id and a span id, as `traceparent` carries them.
package struct TraceParent: Sendable, Hashable {
  package var traceID: String
  package var spanID: String

  package init(traceID: String, spanID: String) {
    self.traceID = traceID
    self.spanID = spanID
  }

  /// Parses `00-<32 hex>-<16 hex>-<2 hex>`; anything else (another version, other lengths,
  /// upper case, all-zero ids) is `nil`.
  package init?(header: String) {
    let parts = header.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 4, parts[0] == "00", parts[1].utf8.count == 32,
      parts[2].utf8.count == 16, parts[3].utf8.count == 2,
      parts.dropFirst().allSatisfy({ $0.utf8.allSatisfy(Self.isLowerHex) }),
      parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
    else { return nil }
    self.init(traceID: String(parts[1]), spanID: String(parts[2]))
  }

  private static func isLowerHex(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
  }
}

private enum TraceParentKey: InstrumentationContextKey {
  typealias Value = TraceParent
}

extension InstrumentationContext {
  /// The ids of the span this context belongs to (``JSONLinesTracer``'s).
  package var traceParent: TraceParent? {
    get { self[TraceParentKey.self] }
    set { self[TraceParentKey.self] = newValue }
  }
}

/// A span of ``JSONLinesTracer``: its line is written when it ends (once).
package final class JSONLinesSpan: Tracing.Span {
  private struct State {
    var name: String
    var attributes: SpanAttributes = [:]
    var status: SpanStatus?
    var ended = false
  }

  package let context: InstrumentationContext
  private let ids: TraceParent
  private let parentSpanID: String?
  private let kind: SpanKind
  private let startNanoseconds: UInt64
  private let sink: FileLogSink
  private let state: NIOLockedValueBox<State>

  init(
    name: String, context: InstrumentationContext, ids: TraceParent, parentSpanID: String?,
    kind: SpanKind, startNanoseconds: UInt64, sink: FileLogSink
  ) {
    self.context = context
    self.ids = ids
    self.parentSpanID = parentSpanID
    self.kind = kind
    self.startNanoseconds = startNanoseconds
    self.sink = sink
    self.state = NIOLockedValueBox(State(name: name))
  }

  package var operationName: String {
    get { state.withLockedValue { $0.name } }
    set { state.withLockedValue { $0.name = newValue } }
  }

  package var attributes: SpanAttributes {
    get { state.withLockedValue { $0.attributes } }
    set { state.withLockedValue { $0.attributes = newValue } }
  }

  package var isRecording: Bool { state.withLockedValue { !$0.ended } }

  package func setStatus(_ status: SpanStatus) {
    state.withLockedValue { $0.status = status }
  }

  package func addEvent(_ event: SpanEvent) {}

  package func recordError<Instant: TracerInstant>(
    _ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
  ) {}

  package func addLink(_ link: SpanLink) {}

  package func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
    let end = instant().nanosecondsSinceEpoch
    guard
      let ended = state.withLockedValue({ state -> State? in
        guard !state.ended else { return nil }
        state.ended = true
        return state
      })
    else { return }
    var fields: [String] = [
      "\"trace_id\":\(JSONText.string(ids.traceID))",
      "\"span_id\":\(JSONText.string(ids.spanID))",
      "\"parent_span_id\":\(parentSpanID.map(JSONText.string) ?? "null")",
      "\"name\":\(JSONText.string(ended.name))",
      "\"kind\":\(JSONText.string("\(kind)"))",
      "\"start_us\":\(startNanoseconds / 1_000)", "\"end_us\":\(end / 1_000)",
      "\"status\":\(JSONText.string(ended.status?.code == .error ? "error" : "ok"))",
    ]
    if let message = ended.status?.message {
      fields.append("\"status_message\":\(JSONText.string(message))")
    }
    var attributes: [String] = []
    // SpanAttributes is no Sequence: its forEach is the only way through it.
    // swift-format-ignore: ReplaceForEachWithForLoop
    ended.attributes.forEach { key, value in
      attributes.append("\(JSONText.string(key)):\(JSONText.value(value))")
    }
    fields.append("\"attributes\":{\(attributes.sorted().joined(separator: ","))}")
    sink.write("{" + fields.joined(separator: ",") + "}\n")
  }
}

/// The span lines' JSON: strings escaped as the call records' are (``CallRecord/jsonString(_:)``).
enum JSONText {
  static func string(_ text: String) -> String { CallRecord.jsonString(text) }

  static func value(_ attribute: SpanAttribute) -> String {
    switch attribute {
    case .int32(let value): String(value)
    case .int64(let value): String(value)
    case .double(let value) where value.isFinite: String(value)
    case .bool(let value): String(value)
    case .string(let value): string(value)
    default: string("\(attribute)")
    }
  }
}
