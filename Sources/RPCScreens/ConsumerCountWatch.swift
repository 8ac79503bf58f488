import AMQPRPC
import NIOConcurrencyHelpers

/// The consumers on the request queue, for a header: probed (passive declare) once per
/// `period`, and at once after ``refresh()`` — called on the events that change the count
/// (a worker added, removed, paused or resumed, a consumer restored) — so the header does
/// not lag them by a period.
struct ConsumerCountWatch: Sendable {
  /// `nil` before the first probe and while probes fail (the link is down); `.some(nil)`
  /// when the queue does not exist.
  private let count = NIOLockedValueBox<Int??>(nil)
  /// Messages ready in the queue at the latest probe that saw it.
  private let readyCount = NIOLockedValueBox<Int?>(nil)
  private let wakes: AsyncStream<Void>
  private let wake: AsyncStream<Void>.Continuation

  init() {
    // One pending wake is enough: a probe after the latest change sees it.
    (wakes, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
  }

  /// The latest count (see ``count``).
  var current: Int?? { count.withLockedValue { $0 } }

  /// The queue's ready messages at the latest probe (`nil` while unknown or no queue).
  var ready: Int? { readyCount.withLockedValue { $0 } }

  /// Probes again as soon as the probe in progress (if any) ends.
  func refresh() { wake.yield() }

  /// Tasks that keep ``current`` up to date until cancelled: one probing on each wake, one
  /// waking it every `period` (the first probe is at once).
  func start(_ client: RPCClient, period: Duration) -> [Task<Void, Never>] {
    let (wakes, wake, count, readyCount) = (self.wakes, self.wake, self.count, self.readyCount)
    return [
      Task {
        for await _ in wakes {
          // Unknown (nil) when the probe fails, as while the link is down: not "no queue".
          let probed: (ready: Int, consumers: Int)??
          do { probed = .some(try await client.requestQueueStatus()) } catch { probed = .none }
          count.withLockedValue { $0 = probed.map { $0?.consumers } }
          readyCount.withLockedValue { $0 = probed??.ready }
        }
      },
      Task {
        while !Task.isCancelled {
          wake.yield()
          try? await Task.sleep(for: period)  // a refresh period, not a synchronisation
        }
        wake.finish()
      },
    ]
  }
}
