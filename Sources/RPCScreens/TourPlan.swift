import Foundation

/// How long a worker takes to answer fib(n), from one measured call: recursive fib's time
/// grows by the golden ratio φ ≈ 1.618 per unit of n; iterative fib's does not grow.
struct ServiceModel: Sendable, Hashable {
  /// The golden ratio, recursive fib's growth per unit of n.
  static let goldenRatio = (1 + 5.0.squareRoot()) / 2

  /// The n that was measured.
  var n: Int
  /// The measured time per call at `n`, in seconds (> 0).
  var seconds: Double
  /// The factor by which the time grows per unit of n: φ for recursive fib, 1 when flat.
  var growth: Double

  /// The expected time per call of fib(`n`), in seconds.
  func seconds(for n: Int) -> Double {
    seconds * pow(growth, Double(n - self.n))
  }

  /// The n in `range` whose time is nearest `target` seconds (on a log scale); the
  /// measured n, within `range`, when the time does not grow with n.
  func n(near target: Double, in range: ClosedRange<Int>) -> Int {
    guard growth > 1 else { return min(max(n, range.lowerBound), range.upperBound) }
    let steps = (log(target / seconds) / log(growth)).rounded()
    let unclamped = Double(n) + steps
    return Int(min(max(unclamped, Double(range.lowerBound)), Double(range.upperBound)))
  }

  /// The same model with every time multiplied by `factor`.
  func slowed(by factor: Double) -> ServiceModel {
    ServiceModel(n: n, seconds: seconds * factor, growth: growth)
  }
}

/// The tour's step sizes, chosen from measured service time so that, whatever the build or
/// the machine, each step keeps calls in flight and workers busy for about `stepLength`.
struct TourPlan: Sendable, Hashable {
  /// `count` requests of fib(`n`).
  struct Batch: Sendable, Hashable {
    var n: Int
    var count: Int
  }

  /// n of the single request, one that takes about `stepLength` on its own.
  var single: Int
  /// The burst over every worker.
  var burst: Batch
  /// The batch sent while one worker is paused (sized for one worker fewer).
  var paused: Batch
  /// The batch sent after it resumed, which it takes its share of.
  var resumed: Batch
  /// n of the late request: the worker is seen busy with it for about ⅔ of `stepLength`.
  var late: Int
  /// The batch whose replies arrive around the unknown reply.
  var backdrop: Batch

  /// - Parameters:
  ///   - model: the measured service time of one call with the other workers idle.
  ///   - slowdown: how much longer a call takes when every worker works at once (they
  ///     share the machine's cores), ≥ 1: batches are sized with it.
  ///   - workers: the workers consuming (at least 1).
  ///   - nRange: the n the workers serve (their lower and upper bound).
  ///   - stepLength: how long each step should keep the workers busy.
  ///   - maximumCount: the most requests one step sends (iterative fib is so fast that
  ///     only numbers keep it busy).
  init(
    model: ServiceModel, slowdown: Double = 1, workers: Int, nRange: ClosedRange<Int>,
    stepLength: Duration, maximumCount: Int = 2_000
  ) {
    let length = max(0.001, stepLength.inSeconds)
    let workers = max(1, workers)
    let busy = model.slowed(by: max(1, slowdown))
    /// Calls of about `length / 6` each, enough of them to keep `workers` busy for `length`
    /// (at least two per worker, so the spread shows).
    func batch(for workers: Int) -> Batch {
      let n = busy.n(near: length / 6, in: nRange)
      let count = (length * Double(workers) / busy.seconds(for: n)).rounded()
      let bounded = min(max(count, Double(2 * workers)), Double(max(2 * workers, maximumCount)))
      return Batch(n: n, count: Int(bounded))
    }
    single = model.n(near: length, in: nRange)
    burst = batch(for: workers)
    paused = batch(for: max(1, workers - 1))
    resumed = burst
    late = model.n(near: length * 2 / 3, in: nRange)
    backdrop = burst
  }
}

extension Duration {
  /// The duration in seconds.
  var inSeconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }
}
