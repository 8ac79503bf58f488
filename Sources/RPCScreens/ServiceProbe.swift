import AMQPRPC
import NIOCore
import RPCDashboards

/// Measures how long the workers take per call, one call at a time, to size the tour.
struct ServiceProbe: Sendable {
  let client: RPCClient
  /// How the demo's workers compute fib.
  let work: RPCWorkMode
  /// The n the workers serve.
  let nRange: ClosedRange<Int>

  /// Below this the measurement is mostly overhead, not fib: recursive fib is measured at a
  /// larger n until one call takes at least this long (or n reaches the bound).
  static let shortest = 0.02

  /// Times a few calls: recursive fib from fib(20) up by 3 (about ×4.2 each) until a call
  /// takes ``shortest``; iterative fib three times at the bound, keeping the median.
  func measure() async throws -> ServiceModel {
    switch work {
    case .recursive:
      var n = clamped(20)
      while true {
        let seconds = try await time(n)
        if seconds >= Self.shortest || n >= nRange.upperBound {
          return ServiceModel(n: n, seconds: seconds, growth: ServiceModel.goldenRatio)
        }
        n = clamped(n + 3)
      }
    case .iterative:
      // The work is instant: what limits a worker is the round trip, so time that.
      let n = nRange.upperBound
      var times: [Double] = []
      for _ in 0..<3 { times.append(try await time(n, roundTrip: true)) }
      return ServiceModel(n: n, seconds: times.sorted()[1], growth: 1)
    }
  }

  /// How much longer a call takes when `workers` work at once (they share the machine's
  /// cores): the mean service time of `workers` calls sent together, each about 50 ms
  /// alone, over that prediction; within 1...10. 1 when the time does not grow with n.
  func slowdown(of model: ServiceModel, workers: Int) async throws -> Double {
    guard workers > 1, model.growth > 1 else { return 1 }
    let n = model.n(near: 0.05, in: nRange)
    let times = try await withThrowingTaskGroup(of: Double.self) { group in
      for _ in 0..<workers { group.addTask { try await time(n) } }
      return try await group.reduce(into: [Double]()) { $0.append($1) }
    }
    let mean = times.reduce(0, +) / Double(times.count)
    return min(10, max(1, mean / model.seconds(for: n)))
  }

  private func clamped(_ n: Int) -> Int { min(max(n, nRange.lowerBound), nRange.upperBound) }

  /// One call's service time in seconds (its round trip when the server sends no timing,
  /// or when `roundTrip`), never 0.
  private func time(_ n: Int, roundTrip: Bool = false) async throws -> Double {
    let reply = try await client.fibonacci(n, timeout: .seconds(60))
    let amount = (roundTrip ? nil : reply.timing?.service) ?? reply.roundTrip
    return max(1e-6, amount.milliseconds / 1e3)
  }
}
