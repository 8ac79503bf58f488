import Histogram
import NIOConcurrencyHelpers
import NIOCore

/// Latencies and counts of a run: the whole run, and the current second for progress lines.
final class BenchRecorder: Sendable {
  struct State: Sendable {
    var total = Histogram<UInt64>(
      highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var second = Histogram<UInt64>(
      highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var sent = 0
    var replied = 0
    /// Replies to calls issued after the warm-up: what the summary counts.
    var measuredReplies = 0
    var failed = 0
    var timedOut = 0
  }

  let state = NIOLockedValueBox(State())

  func sent() {
    state.withLockedValue { $0.sent += 1 }
  }

  /// A reply; `measured` when its call was issued after the warm-up (a warm-up call that
  /// ends after measuring began is neither counted nor timed).
  func replied(latency: TimeAmount, measured: Bool) {
    let microseconds = UInt64(max(1, latency.nanoseconds / 1_000))
    state.withLockedValue { state in
      state.replied += 1
      guard measured else { return }
      state.measuredReplies += 1
      _ = state.total.record(microseconds)
      _ = state.second.record(microseconds)
    }
  }

  func failed(timedOut: Bool) {
    state.withLockedValue { state in
      state.failed += 1
      if timedOut { state.timedOut += 1 }
    }
  }

  /// Counts and the last second's histogram, resetting the latter.
  func takeSecond() -> (sent: Int, replied: Int, failed: Int, second: Histogram<UInt64>) {
    state.withLockedValue { state in
      defer { state.second.reset() }
      return (state.sent, state.replied, state.failed, state.second)
    }
  }

  var snapshot: State { state.withLockedValue { $0 } }
}
