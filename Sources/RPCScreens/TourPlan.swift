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
  ///   - model: the measured service time.
  ///   - workers: the workers consuming (at least 1).
  ///   - nRange: the n the workers serve (their lower and upper bound).
  ///   - stepLength: how long each step should keep the workers busy.
  ///   - maximumCount: the most requests one step sends (iterative fib is so fast that
  ///     only numbers keep it busy).
  init(
    model: ServiceModel, workers: Int, nRange: ClosedRange<Int>, stepLength: Duration,
    maximumCount: Int = 2_000
  ) {
    let length = max(0.001, stepLength.inSeconds)
    let workers = max(1, workers)
    /// The n whose time is nearest `target` seconds (on a log scale), within `nRange`.
    func n(near target: Double) -> Int {
      guard model.growth > 1 else { return min(max(model.n, nRange.lowerBound), nRange.upperBound) }
      let steps = (log(target / model.seconds) / log(model.growth)).rounded()
      let unclamped = Double(model.n) + steps
      return Int(min(max(unclamped, Double(nRange.lowerBound)), Double(nRange.upperBound)))
    }
    /// Calls of about `length / 6` each, enough of them to keep `workers` busy for `length`
    /// (at least two per worker, so the spread shows).
    func batch(for workers: Int) -> Batch {
      let n = n(near: length / 6)
      let count = (length * Double(workers) / model.seconds(for: n)).rounded()
      let bounded = min(max(count, Double(2 * workers)), Double(max(2 * workers, maximumCount)))
      return Batch(n: n, count: Int(bounded))
    }
    single = n(near: length)
    burst = batch(for: workers)
    paused = batch(for: max(1, workers - 1))
    resumed = burst
    late = n(near: length * 2 / 3)
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
