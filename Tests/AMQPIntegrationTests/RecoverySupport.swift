import AMQPClient
import AMQPProtocol
import Foundation
import NIOCore
import Testing

extension AMQPRecoveryPolicy {
  /// Reconnects at once and then at most every half second: tests wait for recovery, not
  /// for backoff.
  static let fast = AMQPRecoveryPolicy(
    initialDelay: .milliseconds(50), maximumDelay: .milliseconds(500), multiplier: 2)
}

/// Every event of one connection, recorded on its event loop as it happens, with the time:
/// tests wait for the one they need (with a time limit), look at what came before it, and
/// measure how long detection and recovery took.
final class ConnectionEventLog: @unchecked Sendable {
  struct Entry: Sendable {
    var event: AMQPConnectionEvent
    var at: ContinuousClock.Instant
  }

  private struct Waiter {
    var from: Int
    var match: @Sendable (AMQPConnectionEvent) -> Bool
    var continuation: CheckedContinuation<Int?, Never>
  }

  // Guards everything below.
  private let lock = NSLock()
  private var recorded: [Entry] = []
  private var waiters: [Int: Waiter] = [:]
  private var cancelled: Set<Int> = []
  private var nextWaiterID = 0

  init(_ connection: AMQPConnection) {
    connection.addEventListener { [weak self] event in self?.record(event) }
  }

  /// What was recorded so far.
  var entries: [Entry] { lock.withLock { recorded } }
  var events: [AMQPConnectionEvent] { entries.map(\.event) }
  /// Where the next event will go: pass it as `after` to wait only for what follows.
  var count: Int { lock.withLock { recorded.count } }

  private func record(_ event: AMQPConnectionEvent) {
    let ready: [(CheckedContinuation<Int?, Never>, Int)] = lock.withLock {
      recorded.append(Entry(event: event, at: .now))
      let index = recorded.count - 1
      var ready: [(CheckedContinuation<Int?, Never>, Int)] = []
      for (id, waiter) in waiters where waiter.from <= index && waiter.match(event) {
        waiters[id] = nil
        ready.append((waiter.continuation, index))
      }
      return ready
    }
    for (continuation, index) in ready { continuation.resume(returning: index) }
  }

  /// The first event at or after position `after` that `match` accepts, waiting up to
  /// `timeout` seconds for it; returns its position and entry.
  @discardableResult
  func first(
    _ what: String, after: Int = 0, timeout: Double = 20,
    where match: @escaping @Sendable (AMQPConnectionEvent) -> Bool
  ) async throws -> (index: Int, entry: Entry) {
    let index = try await withTimeout(timeout, what) { () -> Int? in
      let id = self.lock.withLock {
        self.nextWaiterID += 1
        return self.nextWaiterID
      }
      return await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
          let found: Int?? = self.lock.withLock {
            if self.cancelled.remove(id) != nil { return .some(nil) }
            if let index = self.recorded.indices.dropFirst(after).first(where: {
              match(self.recorded[$0].event)
            }) {
              return .some(index)
            }
            self.waiters[id] = Waiter(from: after, match: match, continuation: continuation)
            return nil
          }
          if let found { continuation.resume(returning: found) }
        }
      } onCancel: {
        let waiter = self.lock.withLock {
          let waiter = self.waiters.removeValue(forKey: id)
          if waiter == nil { self.cancelled.insert(id) }
          return waiter
        }
        waiter?.continuation.resume(returning: nil)
      }
    }
    guard let index else { throw TimedOut(what: what) }
    return (index, entries[index])
  }

  /// A completed recovery as the events told it.
  struct Recovery {
    /// Why the link was lost.
    var error: AMQPError
    /// When the loss was reported, and when the recovery was.
    var disconnectedAt: ContinuousClock.Instant
    var recoveredAt: ContinuousClock.Instant
    var recovery: AMQPRecovery
    /// The attempts reported, in order.
    var attempts: [Int]
    /// Entities that could not be restored.
    var failures: [String]
  }

  /// Waits for the next `recovered` after position `after` and checks the story the events
  /// tell up to it: `disconnected`, then `reconnecting` with attempts 1, 2, 3… in order,
  /// then `recovered` with that many attempts (`recoveryFailed` is collected; anything
  /// else is an issue).
  func recovery(after: Int, timeout: Double = 40) async throws -> Recovery {
    let (end, last) = try await first("the connection to recover", after: after, timeout: timeout) {
      if case .recovered = $0 { return true }
      return false
    }
    let story = Array(entries[after...end])
    guard case .disconnected(let error) = story.first?.event else {
      Issue.record("recovery did not start with disconnected: \(story.map(\.event))")
      throw TimedOut(what: "a disconnected event")
    }
    var attempts: [Int] = []
    var failures: [String] = []
    for entry in story.dropFirst().dropLast() {
      switch entry.event {
      case .reconnecting(let attempt, _, _):
        #expect(attempt == attempts.count + 1, "attempts out of order: \(story.map(\.event))")
        attempts.append(attempt)
      case .recoveryFailed(let entity, let error):
        failures.append("\(entity): \(error)")
      case .unblocked:
        break  // the lost link was blocked; the new one starts unblocked
      case .disconnected, .recovered, .blocked:
        Issue.record("unexpected \(entry.event) during recovery: \(story.map(\.event))")
      }
    }
    guard case .recovered(let recovery) = last.event else { throw TimedOut(what: "recovered") }
    #expect(!attempts.isEmpty, "no reconnecting event before recovered")
    #expect(
      recovery.attempts == attempts.count,
      "recovered after \(recovery.attempts) attempts, \(attempts.count) reported")
    return Recovery(
      error: error, disconnectedAt: story[0].at, recoveredAt: last.at, recovery: recovery,
      attempts: attempts, failures: failures)
  }
}

/// A consumer's deliveries, handed on through a stream, so that a test waits for each with
/// a time limit and sees how the consumer ended.
final class Deliveries: Sendable {
  let stream: AsyncThrowingStream<AMQPMessage, any Error>
  private let task: Task<Void, Never>?

  /// The deliveries of an ``AMQPConsumer``, read by a task of their own.
  init(_ consumer: AMQPConsumer) {
    let (stream, continuation) = AsyncThrowingStream.makeStream(of: AMQPMessage.self)
    self.stream = stream
    task = Task {
      do {
        for try await message in consumer { continuation.yield(message) }
        continuation.finish()
      } catch {
        continuation.finish(throwing: error)
      }
    }
  }

  private init(stream: AsyncThrowingStream<AMQPMessage, any Error>) {
    self.stream = stream
    task = nil
  }

  /// The deliveries of a callback consumer: start it with `onDelivery` and `onEnd`.
  static func callbacks() -> (
    Deliveries, onDelivery: @Sendable (AMQPMessage) -> Void, onEnd: @Sendable (AMQPError?) -> Void
  ) {
    let (stream, continuation) = AsyncThrowingStream.makeStream(of: AMQPMessage.self)
    return (
      Deliveries(stream: stream), { continuation.yield($0) },
      { error in
        if let error { continuation.finish(throwing: error) } else { continuation.finish() }
      }
    )
  }

  /// The next delivery; fails if none comes within `timeout` seconds or the consumer ends.
  func next(_ what: String, timeout: Double = 20) async throws -> AMQPMessage {
    let stream = self.stream
    let message = try await withTimeout(timeout, what) { () -> AMQPMessage? in
      for try await message in stream { return message }
      return nil
    }
    guard let message else { throw FaultError("the consumer ended while waiting for \(what)") }
    return message
  }

  /// Waits for the consumer to end; the error it ended with (`nil`: cancelled by us).
  func end(timeout: Double = 20) async throws -> AMQPError? {
    let stream = self.stream
    return try await withTimeout(timeout, "the consumer to end") { () -> AMQPError? in
      do {
        for try await message in stream {
          Issue.record(
            "delivery while waiting for the consumer to end: \(String(buffer: message.body))")
        }
        return nil
      } catch let error as AMQPError {
        return error
      }
    }
  }

  /// Stops reading an ``AMQPConsumer`` (it is cancelled on the broker if it still runs).
  func stop() {
    task?.cancel()
  }
}

extension Duration {
  /// In seconds, to the millisecond, for the figures the tests print.
  var seconds: String {
    let (seconds, attoseconds) = components
    return String(format: "%.3f s", Double(seconds) + Double(attoseconds) / 1e18)
  }
}

extension AMQPBasicProperties {
  /// Survives a broker restart in a durable queue.
  static let persistent = AMQPBasicProperties(deliveryMode: 2)
}
