import Histogram

/// Latency percentiles in microseconds, from an HdrHistogram.
public struct LatencySummary: Sendable, Hashable {
  /// How many latencies were recorded.
  public var count: UInt64
  /// The median, in µs.
  public var p50: UInt64
  /// The 90th percentile, in µs.
  public var p90: UInt64
  /// The 99th percentile, in µs.
  public var p99: UInt64
  /// The 99.9th percentile, in µs.
  public var p999: UInt64
  /// The largest latency recorded, in µs.
  public var max: UInt64
  /// The mean, in µs.
  public var mean: Double

  public static let empty = LatencySummary(
    count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0)

  public init(
    count: UInt64, p50: UInt64, p90: UInt64, p99: UInt64, p999: UInt64, max: UInt64, mean: Double
  ) {
    self.count = count
    self.p50 = p50
    self.p90 = p90
    self.p99 = p99
    self.p999 = p999
    self.max = max
    self.mean = mean
  }

  init(_ histogram: Histogram<UInt64>) {
    guard histogram.totalCount > 0 else {
      self = .empty
      return
    }
    self.init(
      count: histogram.totalCount, p50: histogram.valueAtPercentile(50),
      p90: histogram.valueAtPercentile(90), p99: histogram.valueAtPercentile(99),
      p999: histogram.valueAtPercentile(99.9), max: histogram.max, mean: histogram.mean)
  }
}

/// A latency recorder: 1 µs to 1 hour with three significant digits.
struct LatencyRecorder: Sendable {
  private(set) var histogram = Histogram<UInt64>(
    highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

  mutating func record(microseconds: Int64) {
    _ = histogram.record(UInt64(Swift.max(1, Swift.min(microseconds, 3_600_000_000))))
  }

  var summary: LatencySummary { LatencySummary(histogram) }
}
