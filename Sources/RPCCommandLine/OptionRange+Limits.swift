// The ranges the rpc-* commands (and amqp-roundtrip) share, so one option means the same
// everywhere. Bounds are generous for real use and small enough that nothing derived from
// them overflows (a count plus a warm-up, seconds as a Duration or a TimeAmount).

extension OptionRange where Value == Duration {
  /// How long a call waits for its reply: 1 ms to 24 h (`--timeout` of rpc-client, rpc-demo
  /// and rpc-bench).
  package static let replyTimeout = seconds(0.001...86_400)
  /// How long rpc-bench measures without `--count`: 1 ms to 24 h.
  package static let measuringTime = seconds(0.001...86_400)
  /// How long a stopping server waits for held requests before requeueing them: 0 to 1 h.
  package static let drainTimeout = seconds(0...3_600)
  /// How long each step of rpc-demo's tour stays on screen: 0 to 1 h.
  package static let tourPace = seconds(0...3_600)
}

extension OptionRange where Value == Int {
  /// Workers of rpc-server and rpc-bench: 1 to 1000, each a channel of one connection
  /// (RabbitMQ allows 2047 by default).
  package static let workers = wholeNumbers(1...1_000)
  /// Workers rpc-demo starts: 1 to 64, so that each has a row on the screen.
  package static let demoWorkers = wholeNumbers(1...64)
  /// The largest n a server answers, and rpc-bench's n: 0 to 92 (fib(92) is the largest that
  /// fits an Int64).
  package static let fibonacciN = wholeNumbers(0...92)
  /// rpc-bench's client connections: 1 to 1000.
  package static let clients = wholeNumbers(1...1_000)
  /// Calls in flight per rpc-bench client: 1 to 100000.
  package static let callsInFlight = wholeNumbers(1...100_000)
  /// Measured calls of rpc-bench: 1 to 10⁹.
  package static let measuredCalls = wholeNumbers(1...1_000_000_000)
  /// Unmeasured warm-up calls of rpc-bench: 0 to 10⁹.
  package static let warmupCalls = wholeNumbers(0...1_000_000_000)
  /// Calls rpc-bench holds pending to measure their memory: 1 to 10⁶.
  package static let pendingCalls = wholeNumbers(1...1_000_000)
  /// Ended calls an rpc-bench client lists in its stats: 0 to 1000
  /// (`RPCClientStats.recentLimit`).
  package static let recentlyEndedCalls = wholeNumbers(0...1_000)
  /// Messages amqp-roundtrip sends: 1 to 10⁶.
  package static let messages = wholeNumbers(1...1_000_000)
  /// Bytes of an amqp-roundtrip body: 0 to 128 MiB (RabbitMQ's largest message by default).
  package static let bodyBytes = wholeNumbers(0...134_217_728)
}

extension OptionRange where Value == UInt16 {
  /// Unacknowledged deliveries per worker (`basic.qos` prefetch count): 0 to 65535, where 0
  /// means unlimited.
  package static let prefetch = wholeNumbers(0...UInt16.max, note: "0 means unlimited")
}

extension OptionRange where Value == Duration {
  /// Delays between reconnection attempts: 0.01 s to 1 h (no delay at all would make a hot
  /// loop of attempts against a broker that refuses connections).
  package static let reconnectDelay = seconds(0.01...3_600)
}

extension OptionRange where Value == Int {
  /// Reconnection attempts before a command gives up: 1 to 10⁶.
  package static let reconnectAttempts = wholeNumbers(1...1_000_000)
}
