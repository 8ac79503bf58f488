import AMQPRPC
import Histogram
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Keeps `inflight` calls outstanding on each client until the measured count or duration is
/// reached.
struct LoadGenerator: Sendable {
  let clients: [RPCClient]
  let inflight: Int
  let n: Int
  /// Whether calls are marked idempotent (sent again after a lost link).
  let idempotent: Bool
  let warmup: Int
  let count: Int?
  let duration: TimeAmount
  let recorder: BenchRecorder
  /// Run the calling tasks on each connection's event loop instead of the cooperative pool.
  let onLoop: Bool

  struct Result {
    var measured: Int
    var seconds: Double
    var cpuSeconds: Double
  }

  func run() async throws -> Result {
    let started = NIOLockedValueBox<(clock: NIODeadline, cpu: Double)?>(nil)
    let stop = NIOLockedValueBox(false)
    let total = warmup + (count ?? Int.max / 2)
    let issued = NIOLockedValueBox(0)
    let recorder = self.recorder
    let warmup = self.warmup
    let (n, idempotent) = (self.n, self.idempotent)
    let deadlineAfterStart = duration
    let useDuration = count == nil
    /// One in-flight slot: calls until the run is over.
    @Sendable func slot(_ client: RPCClient) async {
      while true {
        let number = issued.withLockedValue { issued -> Int? in
          guard issued < total, !stop.withLockedValue({ $0 }) else { return nil }
          issued += 1
          return issued
        }
        guard let number else { return }
        if number == warmup + 1 {
          started.withLockedValue { $0 = (.now(), ProcessMetrics.cpuSeconds()) }
        }
        recorder.sent()
        let begin = NIODeadline.now()
        do {
          _ = try await client.fibonacci(n, idempotent: idempotent)
          recorder.replied(latency: .now() - begin, measured: number > warmup)
        } catch let error as RPCError {
          recorder.failed(timedOut: error.code == .timedOut)
        } catch {
          recorder.failed(timedOut: false)
        }
        if useDuration, let start = started.withLockedValue({ $0 }),
          NIODeadline.now() - start.clock >= deadlineAfterStart
        {
          stop.withLockedValue { $0 = true }
        }
      }
    }
    await withTaskGroup(of: Void.self) { group in
      for client in clients {
        for _ in 0..<inflight {
          if onLoop, #available(macOS 15.0, *) {
            // Resume on the connection's event loop, where the replies arrive.
            group.addTask(executorPreference: client.connection.taskExecutor) {
              await slot(client)
            }
          } else {
            group.addTask { await slot(client) }
          }
        }
      }
    }
    let end = NIODeadline.now()
    let cpu = ProcessMetrics.cpuSeconds()
    guard let start = started.withLockedValue({ $0 }) else {
      return Result(measured: 0, seconds: 0, cpuSeconds: 0)
    }
    let measured = recorder.snapshot.measuredReplies
    return Result(
      measured: measured, seconds: Double((end - start.clock).nanoseconds) / 1e9,
      cpuSeconds: cpu - start.cpu)
  }
}

/// Prints one progress line per second to standard error (and CSV rows when asked).
struct ProgressPrinter: Sendable {
  let recorder: BenchRecorder
  let csvPath: String?

  func run() async {
    let csv = csvPath.flatMap { fopen($0, "w") }
    if let csv { fputs("second,sent,replied,rate,p50_us,p99_us\n", csv) }
    var second = 0
    var lastReplied = 0
    while !Task.isCancelled {
      do { try await Task.sleep(for: .seconds(1)) } catch { break }  // the reporting period
      second += 1
      let (sent, replied, failed, histogram) = recorder.takeSecond()
      let rate = replied - lastReplied
      lastReplied = replied
      let p50 = histogram.totalCount == 0 ? 0 : histogram.valueAtPercentile(50)
      let p99 = histogram.totalCount == 0 ? 0 : histogram.valueAtPercentile(99)
      fputs(
        "[\(second)s] sent \(sent)  replied \(replied)  failed \(failed)  \(rate) RPC/s  p50 \(p50) µs  p99 \(p99) µs\n",
        stderr)
      if let csv { fputs("\(second),\(sent),\(replied),\(rate),\(p50),\(p99)\n", csv) }
    }
    if let csv { fclose(csv) }
  }
}
