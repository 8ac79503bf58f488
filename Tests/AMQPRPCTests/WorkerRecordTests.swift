import NIOCore
import Testing

@testable import AMQPRPC

/// A worker's state as snapshots show it: busy from its requests in progress (several with
/// prefetch above 1), stopping over busy, and server totals that keep removed workers.
@Suite struct WorkerRecordTests {
  let t0 = NIODeadline.uptimeNanoseconds(100_000_000_000)

  func snapshot(_ record: WorkerRecord, held: Int = 0, at now: NIODeadline) -> RPCWorkerStats {
    record.snapshot(id: 1, name: "vm-1/w1", prefetch: 4, held: held, now: now)
  }

  @Test func aWorkerComputingSeveralRequestsShowsTheOldestUntilTheLastEnds() {
    var record = WorkerRecord()
    record.began(.init(n: 40, correlationID: "c-1", since: t0))
    record.began(.init(n: 41, correlationID: "c-2", since: t0 + .seconds(1)))
    var stats = snapshot(record, held: 4, at: t0 + .seconds(2))
    #expect(stats.state == .busy(n: 40, correlationID: "c-1", since: .seconds(2)))
    #expect(stats.held == 4)
    record.ended(correlationID: "c-1", since: t0, now: t0 + .seconds(2))
    stats = snapshot(record, held: 3, at: t0 + .seconds(3))
    #expect(stats.state == .busy(n: 41, correlationID: "c-2", since: .seconds(2)))
    record.ended(correlationID: "c-2", since: t0 + .seconds(1), now: t0 + .seconds(4))
    // Twice, or a request never computed (refused), is harmless.
    record.ended(correlationID: "c-2", since: t0 + .seconds(1), now: t0 + .seconds(4))
    record.ended(correlationID: "c-3", since: t0, now: t0 + .seconds(4))
    #expect(snapshot(record, at: t0 + .seconds(4)).state == .idle)
    // Busy from t0 to t0+4 s without a gap: 40 % of the 10 s window.
    #expect(abs(snapshot(record, at: t0 + .seconds(10)).utilisation - 0.4) < 1e-9)
  }

  @Test func aStoppingWorkerShowsStoppingWhileItStillComputes() {
    var record = WorkerRecord()
    record.began(.init(n: 40, correlationID: "c-1", since: t0))
    record.activity = .stopping
    #expect(snapshot(record, held: 1, at: t0 + .seconds(1)).state == .stopping)
    record.abandonComputations(now: t0 + .seconds(2))
    record.activity = .consuming
    #expect(snapshot(record, at: t0 + .seconds(2)).state == .idle)
  }

  @Test func overlappingBusyPeriodsCountOnce() {
    var window = BusyWindow(window: .seconds(10))
    window.began(t0)
    window.began(t0 + .seconds(1))
    window.ended(t0 + .seconds(2))
    window.ended(t0 + .seconds(3))
    window.ended(t0 + .seconds(5))  // an end without a start is ignored
    #expect(abs(window.utilisation(now: t0 + .seconds(10)) - 0.3) < 1e-9)
  }

  @Test func serverTotalsAddTheRemovedWorkersToTheListedOnes() {
    let listed = RPCWorkerStats(
      id: 2, name: "vm-1/w2", state: .idle, prefetch: 1, processed: 144, errors: 1, expired: 2,
      rejected: 3, rate: 0, service: LatencyRecorder().summary, utilisation: 0, held: 1)
    let stats = RPCServerStats(
      workers: [listed], retired: RPCWorkerTotals(processed: 85, errors: 1))
    #expect(stats.all == RPCWorkerTotals(processed: 229, errors: 2, expired: 2, rejected: 3))
    #expect(stats.handled == 236)
    #expect(stats.held == 1)
  }
}
