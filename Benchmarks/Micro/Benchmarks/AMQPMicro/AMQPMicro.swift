import AMQPProtocol
import Benchmark
import NIOCore

// The hot-path pieces of an RPC, each measured alone: the codec (what a call encodes and what
// its reply decodes), the client's pending-call table, and reply matching (decoded deliver to
// matched call). Every benchmark counts mallocs per operation; `Scripts/benchmarks check`
// compares them (and, loosely, time) with the static thresholds in `Thresholds/`.
//
// Names have no spaces: `thresholds update` writes a space as "_" but `thresholds check` looks
// the file up by the name as it is (ordo-one/benchmark 1.38.1).
//
// `PendingCallTable.swift` in this folder is a link to the client's own source file
// (`Sources/AMQPRPC/Client/PendingCallTable.swift`): the type is `package`, which a separate
// package cannot import, so it is compiled here again, unchanged.

let benchmarks: @Sendable () -> Void = {
  /// Each sample is 1,000 operations, and the figures (and thresholds) are per sample.
  /// Allocations may differ from the stored p90 by at most 50 per sample (0.05 per operation:
  /// the table's amortised heap rebuilds move it by a few), either way: fewer fails too, so
  /// that a saving is stored with `Scripts/benchmarks update` and kept. Time on a shared
  /// two-core machine varies by tens of percent, so it fails only past 3 times the stored
  /// p90. Only these two metrics are measured: a stored metric without a tolerance here
  /// would be checked with none.
  let tolerances: [BenchmarkMetric: BenchmarkThresholds] = [
    .mallocCountTotal: .init(absolute: [.p90: 50]),
    .wallClock: .init(relative: [.p90: 200]),
  ]
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .mallocCountTotal],
    timeUnits: .nanoseconds,
    warmupIterations: 10,
    scalingFactor: .kilo,
    maxDuration: .seconds(2),
    maxIterations: .kilo(1),
    thresholds: tolerances
  )

  codecBenchmarks()
  pendingCallBenchmarks()
  replyMatchingBenchmarks()
}

// MARK: - Codec

/// The properties of a request on the default wire: deadline header, correlation id,
/// reply-to and expiration.
let requestProperties = AMQPBasicProperties(
  headers: ["x-rpc-deadline-us": .int64(1_700_000_000_000_000)],
  correlationID: "a1b2c3d4-123456",
  replyTo: "amq.gen-JzTY20BRgKO-HjmUJj0wLg", expiration: "30000")

/// A deliver (method, header, body) as the broker sends a reply, with `correlationID`.
func encodedDeliver(correlationID: String, deliveryTag: UInt64 = 42) -> ByteBuffer {
  var properties = requestProperties
  properties.correlationID = correlationID
  let frames: [AMQPFrame] = [
    .method(
      channel: 1,
      .basicDeliver(
        .init(
          consumerTag: "amq.ctag-abc", deliveryTag: deliveryTag,
          routingKey: "amq.gen-JzTY20BRgKO-HjmUJj0wLg"))),
    .header(channel: 1, AMQPContentHeader(bodySize: 7, properties: properties)),
    .body(channel: 1, ByteBuffer(string: "9227465")),
  ]
  var buffer = ByteBuffer()
  for frame in frames { frame.encode(into: &buffer) }
  return buffer
}

func codecBenchmarks() {
  let publish = AMQPMethod.Basic.Publish(routingKey: "rpc_queue", mandatory: true)
  let header = AMQPContentHeader(bodySize: 2, properties: requestProperties)
  let body = ByteBuffer(string: "35")

  // As the connection handler writes a publish: method, header, body into one buffer. The
  // buffer is new each time (the handler reuses one per event-loop tick), so its storage is
  // allocated here: any allocation beyond that is the encoder's.
  Benchmark("Codec.encodePublish") { benchmark in
    for _ in benchmark.scaledIterations {
      var buffer = ByteBuffer()
      buffer.reserveCapacity(256)
      AMQPFrame.method(channel: 1, .basicPublish(publish)).encode(into: &buffer)
      AMQPFrame.encodeHeader(channel: 1, header, into: &buffer)
      AMQPFrame.body(channel: 1, body).encode(into: &buffer)
      blackHole(buffer)
    }
  }

  // What the client adds to each publish: the 255-byte short-string check.
  Benchmark("Codec.checkShortStrings") { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(publish.oversizedShortString ?? requestProperties.oversizedShortString)
    }
  }

  let deliver = encodedDeliver(correlationID: "a1b2c3d4-123456")
  // One decoder per connection: it has seen the first frame.
  let decoder = Shared(AMQPFrameDecoder())
  Benchmark("Codec.decodeDeliver") { benchmark in
    for _ in benchmark.scaledIterations {
      var input = deliver
      while let frame = try? decoder.value.decodeFrame(from: &input) { blackHole(frame) }
    }
  }
}

// MARK: - Pending-call table

/// State that lives across samples: a benchmark's closure runs once per sample, and state
/// made (and freed) inside it would be measured with it. Samples run one at a time.
final class Shared<Value>: @unchecked Sendable {
  var value: Value
  init(_ value: Value) { self.value = value }
}

/// Stands in for the client's waiter (a reference the table holds per call).
final class Waiter: Sendable {
  let slot: Int
  init(slot: Int) { self.slot = slot }
}

/// Correlation ids as the client makes them: 8 hex digits, a dash and a counter (at most 15
/// bytes, so Swift keeps them inline without an allocation).
func correlationIDs(_ count: Int) -> [String] {
  (0..<count).map { "a1b2c3d4-\(100_000 + $0)" }
}

/// A table with `ids` waiting, as a client with that many calls in flight.
func filledTable(_ ids: [String], now: NIODeadline) -> PendingCallTable<Waiter> {
  var table = PendingCallTable<Waiter>()
  for (slot, id) in ids.enumerated() {
    _ = table.register(entry(id, slot: slot, now: now))
  }
  return table
}

func entry(_ id: String, slot: Int, now: NIODeadline) -> PendingCallTable<Waiter>.Entry {
  .init(
    id: id, n: 35, sentAt: now, deadline: now + .seconds(30), waiter: Waiter(slot: slot))
}

func pendingCallBenchmarks() {
  // How RPCClient makes an id (`idPrefixAndDash + String(number)`, private there): up to 15
  // UTF-8 bytes a Swift string is stored inline; from the millionth call on, ids have 16 and
  // each one is a heap allocation.
  for (digits, first) in [(6, 100_000), (7, 1_000_000)] {
    Benchmark("CorrelationID.make.\(digits)Digits") { benchmark in
      let prefix = "a1b2c3d4-"
      for iteration in benchmark.scaledIterations {
        blackHole(prefix + String(first + iteration % 800_000))
      }
    }
  }

  for inFlight in [1, 100, 1000] {
    let ids = correlationIDs(inFlight)
    let now = NIODeadline.now()
    // A reply answers the oldest call and a new call takes its place, as in a steady run.
    let table = Shared(filledTable(ids, now: now))
    let waiters = ids.indices.map { Waiter(slot: $0) }
    Benchmark("PendingCalls.resolveAndRegister.inFlight\(inFlight)") { benchmark in
      for iteration in benchmark.scaledIterations {
        let slot = iteration % inFlight
        let resolution = table.value.resolve(id: ids[slot], issuedByUs: true, now: now)
        guard case .matched(var matched) = resolution else { fatalError("not matched") }
        matched.waiter = waiters[slot]
        blackHole(table.value.register(matched))
      }
    }
  }

  let ids = correlationIDs(100)
  let now = NIODeadline.now()
  // A reply that matches no waiting call (its call gave up, or it is not ours).
  let table = Shared(filledTable(ids, now: now))
  Benchmark("PendingCalls.unknownID.inFlight100") { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(table.value.resolve(id: "ffffffff-999999", issuedByUs: false, now: now))
    }
  }

  // A call cancelled (or unroutable) and a new one sent: the id is remembered as given up.
  let cancelling = Shared(filledTable(ids, now: now))
  let waiters = ids.indices.map { Waiter(slot: $0) }
  Benchmark("PendingCalls.removeAndRegister.inFlight100") { benchmark in
    for iteration in benchmark.scaledIterations {
      let slot = iteration % ids.count
      guard var removed = cancelling.value.remove(id: ids[slot], now: now) else {
        fatalError("missing")
      }
      removed.waiter = waiters[slot]
      blackHole(cancelling.value.register(removed))
    }
  }
}

// MARK: - Reply matching

func replyMatchingBenchmarks() {
  // From the bytes of a reply to its matched call, as far as the public API reaches: decode
  // the three frames, take the correlation id and headers from the content header, resolve
  // the call, and register the next call in its place. Not included (not public): the
  // channel's content assembly into an AMQPMessage and RPCClient's result building and
  // locking (`RPCClientState.replied`, `RPCClient.result`).
  let inFlight = 100
  let ids = correlationIDs(inFlight)
  let delivers = ids.map { encodedDeliver(correlationID: $0) }
  let now = NIODeadline.now()
  let table = Shared(filledTable(ids, now: now))
  let waiters = ids.indices.map { Waiter(slot: $0) }
  let decoder = Shared(AMQPFrameDecoder())
  Benchmark("ReplyMatching.decodeAndResolve.inFlight100") { benchmark in
    for iteration in benchmark.scaledIterations {
      let slot = iteration % inFlight
      var input = delivers[slot]
      var correlationID: String?
      var headers: AMQPFieldTable?
      var body: ByteBuffer?
      while let frame = try? decoder.value.decodeFrame(from: &input) {
        switch frame {
        case .header(_, let header):
          correlationID = header.properties.correlationID
          headers = header.properties.headers
        case .body(_, let bytes):
          body = bytes
        default:
          break
        }
      }
      let resolution = table.value.resolve(id: correlationID ?? "", issuedByUs: true, now: now)
      guard case .matched(var matched) = resolution else { fatalError("not matched") }
      blackHole(headers)
      blackHole(body)
      matched.waiter = waiters[slot]
      blackHole(table.value.register(matched))
    }
  }
}
