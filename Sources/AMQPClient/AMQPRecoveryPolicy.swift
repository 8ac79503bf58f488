/// How a connection recovers when its link to the broker is lost: reconnect with
/// exponential backoff and jitter, trying the endpoints in turn, then re-open the channels,
/// re-apply `basic.qos` and confirm mode, re-declare the recorded topology (exchanges,
/// queues, bindings) and restart the consumers — as RabbitMQ's Java client does by default
/// (`AutorecoveringConnection`). Not used for a connection the application closed, nor when
/// the first connection attempt fails (that error is thrown to the caller).
public struct AMQPRecoveryPolicy: Sendable, Hashable {
  /// Whether to recover at all (default: yes).
  public var isEnabled: Bool
  /// The delay before the first attempt.
  public var initialDelay: Duration
  /// The longest delay between attempts.
  public var maximumDelay: Duration
  /// The factor the delay grows by after each failed attempt.
  public var multiplier: Double
  /// How many attempts to make before giving up and closing for good; `nil` for no limit.
  public var maximumAttempts: Int?

  /// Defaults: enabled, 0.5 s doubling up to 5 s (the Java client retries every 5 s; a
  /// broker restart takes seconds, and a longer cap made recovery lag the outage by up to
  /// 15 s), no attempt limit.
  public init(
    isEnabled: Bool = true, initialDelay: Duration = .milliseconds(500),
    maximumDelay: Duration = .seconds(5), multiplier: Double = 2, maximumAttempts: Int? = nil
  ) {
    self.isEnabled = isEnabled
    self.initialDelay = initialDelay
    self.maximumDelay = maximumDelay
    self.multiplier = multiplier
    self.maximumAttempts = maximumAttempts
  }

  /// No recovery: a lost link closes the connection for good.
  public static let disabled = AMQPRecoveryPolicy(isEnabled: false)

  /// Whether attempt number `attempt` (1-based) may be made.
  public func allows(attempt: Int) -> Bool {
    isEnabled && attempt >= 1 && attempt <= (maximumAttempts ?? .max)
  }

  /// The delay before attempt `attempt` (1-based): `initialDelay × multiplier^(attempt−1)`,
  /// at most `maximumDelay`, with "equal jitter" (half of it fixed, half scaled by
  /// `random`, a number in 0..<1) so that many clients cut off together do not return
  /// together.
  public func delay(beforeAttempt attempt: Int, random: Double) -> Duration {
    let initial = Self.seconds(initialDelay)
    let maximum = max(0, Self.seconds(maximumDelay))
    let exponent = attempt <= 1 ? 0 : Double(attempt) - 1
    let growth = pow(max(1, multiplier.isFinite ? multiplier : 1), exponent)
    let full = min(maximum, max(0, initial) * growth)
    let jittered = full / 2 + full / 2 * min(1, max(0, random.isFinite ? random : 0))
    return .nanoseconds(Int64(min(jittered.isFinite ? jittered : maximum, 9e9) * 1e9))
  }

  private static func seconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) / 1e18
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
