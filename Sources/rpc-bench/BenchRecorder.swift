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
    var failed = 0
    var timedOut = 0
    var measuring = false
  }

  let state = NIOLockedValueBox(State())

  func sent() {
    state.withLockedValue { $0.sent += 1 }
  }

  func replied(latency: TimeAmount) {
    let microseconds = UInt64(max(1, latency.nanoseconds / 1_000))
    state.withLockedValue { state in
      state.replied += 1
      guard state.measuring else { return }
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

  /// Ends warm-up: from now on latencies count.
  func startMeasuring() {
    state.withLockedValue { state in
      state.measuring = true
      state.total.reset()
      state.second.reset()
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
