import AMQPProtocol
import AllocationCounter
import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Encode/decode throughput of the frames an RPC exchanges: a publish (method, header with
/// properties and headers, body) and a deliver. Run a release build:
/// `swift run -c release amqp-codec-bench`.
@main
enum CodecBenchmark {
  static func main() {
    let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
    let properties = AMQPBasicProperties(
      headers: ["x-rpc-deadline-us": .int64(1_700_000_000_000_000)],
      correlationID: "a1b2c3d4-123456",
      replyTo: "amq.gen-JzTY20BRgKO-HjmUJj0wLg", expiration: "30000")
    let body = ByteBuffer(string: "35")
    let publish: [AMQPFrame] = [
      .method(channel: 1, .basicPublish(.init(routingKey: "rpc_queue", mandatory: true))),
      .header(channel: 1, AMQPContentHeader(bodySize: 2, properties: properties)),
      .body(channel: 1, body),
    ]
    let deliver: [AMQPFrame] = [
      .method(
        channel: 1,
        .basicDeliver(
          .init(
            consumerTag: "amq.ctag-abc", deliveryTag: 42,
            routingKey: "amq.gen-JzTY20BRgKO-HjmUJj0wLg"))),
      .header(channel: 1, AMQPContentHeader(bodySize: 7, properties: properties)),
      .body(channel: 1, ByteBuffer(string: "9227465")),
    ]
    var encoded = ByteBuffer()
    for frame in deliver { frame.encode(into: &encoded) }

    measure("encode publish (3 frames)", iterations) {
      var buffer = ByteBuffer()
      buffer.reserveCapacity(256)
      for frame in publish { frame.encode(into: &buffer) }
      return buffer.readableBytes
    }
    let publishMethod = AMQPMethod.Basic.Publish(routingKey: "rpc_queue", mandatory: true)
    // What the client adds to each publish: the 255-byte short-string check.
    measure("check short strings of a publish", iterations) {
      publishMethod.oversizedShortString ?? properties.oversizedShortString == nil ? 1 : 0
    }
    var decoder = AMQPFrameDecoder()  // one per connection: it has seen the first frame
    measure("decode deliver (3 frames)", iterations) {
      var input = encoded
      var count = 0
      while let frame = try? decoder.decodeFrame(from: &input) {
        if case .body = frame { count += 1 }
      }
      return count
    }
  }

  static func measure(_ name: String, _ iterations: Int, _ body: () -> Int) {
    var sink = 0
    for _ in 0..<min(10_000, iterations) { sink &+= body() }  // warm-up
    let allocationsBefore = allocation_counter_count()
    let start = now()
    for _ in 0..<iterations { sink &+= body() }
    let seconds = now() - start
    let allocations = Double(allocation_counter_count() - allocationsBefore) / Double(iterations)
    let perSecond = Double(iterations) / seconds
    print(
      "\(name): \(Int(perSecond)) ops/s, \(Int(seconds * 1e9 / Double(iterations))) ns/op, "
        + "\(oneDecimal(allocations)) allocations/op (checksum \(sink % 7))")
  }

  /// One decimal place, without Foundation.
  static func oneDecimal(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }

  static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
