import AMQPClient
import Testing

/// The backoff between reconnection attempts (pure arithmetic, no broker).
@Suite struct RecoveryPolicyTests {
  @Test func delayGrowsFromTheInitialDelayUpToTheMaximum() {
    let policy = AMQPRecoveryPolicy(
      initialDelay: .milliseconds(100), maximumDelay: .seconds(2), multiplier: 2)
    // random 1: the full delay; random 0: half of it (equal jitter).
    let full = (1...8).map { policy.delay(beforeAttempt: $0, random: 0.999_999_999) }
    let expected: [Duration] = [
      .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
      .milliseconds(1600), .seconds(2), .seconds(2), .seconds(2),
    ]
    for (delay, bound) in zip(full, expected) {
      #expect(delay <= bound && delay >= bound - .microseconds(1), "\(delay) vs \(bound)")
    }
    for attempt in 1...8 {
      #expect(policy.delay(beforeAttempt: attempt, random: 0) == expected[attempt - 1] / 2)
    }
  }

  @Test func jitterStaysBetweenHalfAndAllOfTheDelay() {
    let policy = AMQPRecoveryPolicy(
      initialDelay: .seconds(1), maximumDelay: .seconds(30), multiplier: 3)
    for attempt in 1...6 {
      let full = policy.delay(beforeAttempt: attempt, random: 0.999_999_999_9)
      var seen: Set<Duration> = []
      for _ in 0..<200 {
        let delay = policy.delay(beforeAttempt: attempt, random: .random(in: 0..<1))
        #expect(delay >= full / 2 - .microseconds(1) && delay <= full, "\(delay) vs \(full)")
        seen.insert(delay)
      }
      #expect(seen.count > 100, "jitter gives \(seen.count) different delays out of 200")
    }
  }

  @Test func extremeSettingsNeverTrap() {
    let extremes = [
      AMQPRecoveryPolicy(initialDelay: .zero, maximumDelay: .zero),
      AMQPRecoveryPolicy(initialDelay: .seconds(-5), maximumDelay: .seconds(-1)),
      AMQPRecoveryPolicy(initialDelay: .seconds(Int64.max), maximumDelay: .seconds(Int64.max)),
      AMQPRecoveryPolicy(
        initialDelay: .seconds(1), maximumDelay: .seconds(60), multiplier: .infinity),
      AMQPRecoveryPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(60), multiplier: .nan),
      AMQPRecoveryPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(60), multiplier: -3),
      AMQPRecoveryPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(60), multiplier: 1e308),
      AMQPRecoveryPolicy(initialDelay: .seconds(10), maximumDelay: .seconds(1)),
    ]
    for policy in extremes {
      for attempt in [Int.min, -1, 0, 1, 2, 64, 1_100, Int.max] {
        for random in [-1, 0, 0.5, 1, 7, .nan, .infinity, -.infinity] as [Double] {
          let delay = policy.delay(beforeAttempt: attempt, random: random)
          #expect(delay >= .zero, "\(policy) attempt \(attempt) random \(random): \(delay)")
          #expect(
            delay <= max(policy.maximumDelay, .zero),
            "\(policy) attempt \(attempt) random \(random): \(delay)")
        }
      }
    }
  }

  @Test func attemptsAreLimitedByThePolicy() {
    let limited = AMQPRecoveryPolicy(maximumAttempts: 3)
    #expect((0...4).map { limited.allows(attempt: $0) } == [false, true, true, true, false])
    #expect(AMQPRecoveryPolicy().allows(attempt: .max))
    #expect(!AMQPRecoveryPolicy.disabled.allows(attempt: 1))
  }
}
