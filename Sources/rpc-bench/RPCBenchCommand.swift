import AMQPClient
import AMQPRPC
import ArgumentParser
import Histogram
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RPCCommandLine
import RPCDashboards

#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Tasks suspended until released, for the memory baseline.
final class TaskParking: Sendable {
  private let waiting = NIOLockedValueBox<[CheckedContinuation<Void, Never>]>([])
  private let released = NIOLockedValueBox(false)

  var count: Int { waiting.withLockedValue { $0.count } }

  func park() async {
    await withCheckedContinuation { continuation in
      let resumeNow = released.withLockedValue { $0 }
      if resumeNow {
        continuation.resume()
      } else {
        waiting.withLockedValue { $0.append(continuation) }
      }
    }
  }

  func release() {
    released.withLockedValue { $0 = true }
    for continuation in waiting.withLockedValue({ items in
      defer { items = [] }
      return items
    }) {
      continuation.resume()
    }
  }
}

/// Prints a line on standard error for each event of a connection (lost, reconnecting,
/// recovered, blocked), and counts losses and recoveries. Connection events, not the
/// client's: those come once per call, which would cost the benchmark.
struct LinkWatch {
  private let task: Task<(losses: Int, recoveries: Int), Never>

  init(_ connection: AMQPConnection, label: String) {
    let events = connection.events()
    task = Task {
      var counts = (losses: 0, recoveries: 0)
      for await event in events {
        switch event {
        case .disconnected: counts.losses += 1
        case .recovered: counts.recoveries += 1
        case .reconnecting, .recoveryFailed, .blocked, .unblocked: break
        }
        printToStandardError("rpc-bench \(label):" + LinkLines.line(event))
      }
      return counts
    }
  }

  /// Waits until the connection is closed (its event stream ends); returns the counts.
  func finish() async -> (losses: Int, recoveries: Int) { await task.value }
}

/// `rpc-bench`: throughput and latency of RPC over AMQP under load, like PerfTest for
/// request/reply.
@main
struct RPCBenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rpc-bench",
    abstract: "Measure RPC throughput and latency: C clients × K calls in flight each.",
    discussion: """
      Each client has its own connection and callback queue and keeps --inflight calls \
      outstanding (a new call starts as soon as one ends). By default the workers run in this \
      process (--workers, --prefetch, --work); --no-server uses servers already consuming \
      --queue. Progress lines (per second) go to standard error; the summary to standard \
      output, or as one JSON line with --json. Client CPU time includes in-process workers: \
      measure the client alone with --no-server.

      The summary accounts for every request sent, warm-up included: each is in exactly one \
      class (ok, error reply, timed out, unroutable, connection lost, cancelled), and replies \
      thrown away are counted as late, duplicate or unknown. Lost links are recovered (see \
      --no-recovery); each loss and recovery is a line on standard error.
      """)

  @OptionGroup var connection: ConnectionOptions

  @Option(help: "Client connections.", range: .clients)
  var clients = 1

  @Option(help: "Calls in flight per client.", range: .callsInFlight)
  var inflight = 1

  @Option(
    help: "Measured calls to stop after; without it the run lasts --duration.",
    range: .measuredCalls)
  var count: Int?

  @Option(help: "Seconds to measure when no --count is given.", range: .measuringTime)
  var duration: Duration = .seconds(10)

  @Option(help: "The n of fib(n) every call asks for.", range: .fibonacciN)
  var n = 1

  @Option(help: "Calls before measuring starts (not counted).", range: .warmupCalls)
  var warmup = 1_000

  @Option(help: "In-process workers (ignored with --no-server).", range: .workers)
  var workers = 8

  @Option(help: "Prefetch of the in-process workers.", range: .prefetch)
  var prefetch: UInt16 = 1

  @Option(help: "Work of the in-process workers.")
  var work = RPCWorkMode.iterative

  @Flag(help: "Use servers already running instead of in-process workers.")
  var noServer = false

  @Option(help: "The request queue (a fresh one per run by default when workers are in-process).")
  var queue: String?

  @Option(help: "Seconds before a call times out.", range: .replyTimeout)
  var timeout: Duration = .seconds(30)

  @Flag(
    help: ArgumentHelp(
      "Drive the load through the async API (a task per in-flight slot) instead of the callback API.",
      discussion:
        "The callback API starts each call from the previous one's completion on the event loop."))
  var asyncAPI = false

  @Flag(
    help: ArgumentHelp(
      "With --async-api: run the calling tasks on the connection's event loop.",
      discussion:
        "They prefer AMQPConnection.taskExecutor, so a reply resumes its caller where it arrived and the next request is sent from there, without two thread hops per call."
    ))
  var onLoop = false

  @Flag(
    help: ArgumentHelp(
      "Mark calls idempotent: those in flight when a link is lost are sent again.",
      discussion:
        "fib(n) may run twice; without it such calls end as connection lost (see rpc-client --idempotent)."
    ))
  var idempotent = false

  @Flag(
    help: ArgumentHelp(
      "Send requests as the tutorial clients do: only reply_to and correlation_id.",
      discussion:
        "By default requests also carry their deadline (expiration and a header) and are published as mandatory; this leaves all three out, for a like-for-like comparison with other clients."
    ))
  var tutorialWire = false

  @Option(
    help:
      "Ended calls each client lists in its stats, with request and reply (the screens list 1000; keeping them costs each call a copy).",
    range: .recentlyEndedCalls)
  var recentlyEnded = 0

  @Flag(
    help: ArgumentHelp(
      "Print the summary as one JSON line.",
      discussion: """
        Members: clients, inflight, rpcs (measured replies), seconds, rpc_per_s, p50_us, \
        p90_us, p99_us, p999_us, max_us, timeouts, failures, client_cpu_s, cpu_us_per_rpc, \
        in_process_server, api, tutorial_wire; and for every request sent: sent, ok, error, \
        timed_out, unroutable, connection_lost, cancelled, in_flight (these add up to sent), \
        discarded_late, discarded_duplicate, discarded_unknown, link_lost, recovered.
        """))
  var json = false

  @Option(help: "Write per-second rows (second,sent,replied,rate,p50_us,p99_us) to this CSV file.")
  var csv: String?

  @Option(
    help:
      "Instead of a load test: hold this many calls in flight with no server, and report memory per pending call.",
    range: .pendingCalls)
  var pendingMemory: Int?

  func run() async throws {
    lineBufferStandardOutput()
    let logger = try connection.logger(label: "rpc-bench")
    let amqp = try connection.configurations(name: "rpc-bench")
    do {
      if let pendingMemory {
        try await measurePendingMemory(pendingMemory, amqp: amqp, logger: logger)
      } else {
        try await loadTest(amqp: amqp, logger: logger)
      }
    } catch let failure as CommandFailure {
      fputs("rpc-bench: \(failure)\n", stderr)
      throw ExitCode.failure
    }
  }

  private func loadTest(amqp: [AMQPConnectionConfiguration], logger: Logger) async throws {
    let queueName = queue ?? (noServer ? RPCWire.defaultQueue : "rpc-bench-\(getpid())")
    var server: (RPCServer, AMQPConnection)?
    if !noServer {
      let serverConnection = try await connect(renamed(amqp, "server"), logger: logger)
      let rpcServer = try await RPCServer.start(
        connection: serverConnection,
        configuration: RPCServerConfiguration(
          queue: queueName, workers: workers, prefetch: prefetch, logger: logger),
        handler: .fibonacci(maximumN: 92, work: work))
      server = (rpcServer, serverConnection)
    }
    var rpcClients: [(RPCClient, AMQPConnection)] = []
    for index in 1...clients {
      let clientConnection = try await connect(renamed(amqp, "client \(index)"), logger: logger)
      let client = try await RPCClient.start(
        connection: clientConnection,
        configuration: clientConfiguration(queue: queueName, logger: logger))
      rpcClients.append((client, clientConnection))
    }
    if noServer, let first = rpcClients.first?.0 {
      switch try await first.workersListening() {
      case .none:
        throw CommandFailure(
          "queue \(queueName) does not exist: start a server, or drop --no-server")
      case .some(0):
        throw CommandFailure("no consumers on \(queueName): start a server, or drop --no-server")
      default: break
      }
    }
    let recorder = BenchRecorder()
    let links = rpcClients.enumerated().map { index, client in
      LinkWatch(client.1, label: "client \(index + 1)")
    }
    let serverLink = server.map { LinkWatch($0.1, label: "server") }
    let progress = ProgressPrinter(recorder: recorder, csvPath: csv)
    let printer = Task { await progress.run() }
    let result: LoadGenerator.Result
    if asyncAPI {
      result = try await LoadGenerator(
        clients: rpcClients.map(\.0), inflight: inflight, n: n, idempotent: idempotent,
        warmup: warmup, count: count, duration: duration.timeAmount, recorder: recorder,
        onLoop: onLoop
      ).run()
    } else {
      result = await CallbackLoad(
        clients: rpcClients.map(\.0), inflight: inflight, n: n, idempotent: idempotent,
        warmup: warmup, count: count, duration: duration.timeAmount, recorder: recorder
      ).run()
    }
    printer.cancel()
    _ = await printer.value
    // Every call has ended: each client's counts say how.
    var accounting = CallAccounting()
    for (client, _) in rpcClients { accounting.add(client.stats()) }
    for (client, clientConnection) in rpcClients {
      try? await client.close()
      try? await clientConnection.close()
    }
    for link in links {
      let (losses, recoveries) = await link.finish()
      accounting.linkLosses += losses
      accounting.recoveries += recoveries
    }
    let summary = BenchSummary(
      clients: clients, inflight: inflight, rpcs: result.measured, seconds: result.seconds,
      timeouts: recorder.snapshot.timedOut,
      failures: recorder.snapshot.failed - recorder.snapshot.timedOut,
      latency: recorder.snapshot.total, clientCPUSeconds: result.cpuSeconds,
      inProcessServer: server != nil,
      api: asyncAPI ? (onLoop ? "async-on-loop" : "async") : "callback",
      tutorialWire: tutorialWire, accounting: accounting)
    print(json ? summary.json : summary.text)
    if let (rpcServer, serverConnection) = server {
      await rpcServer.shutdown()
      if queue == nil { _ = try? await serverConnection.openChannel().queueDelete(queueName) }
      try? await serverConnection.close()
      _ = await serverLink?.finish()
    }
  }

  /// A load client's settings: the wire asked for, and the ended calls its stats list.
  private func clientConfiguration(queue: String, logger: Logger) -> RPCClientConfiguration {
    var configuration = RPCClientConfiguration(
      queue: queue, timeout: timeout, propagatesDeadlines: !tutorialWire,
      mandatory: !tutorialWire, logger: logger)
    configuration.recentlyEndedLimit = recentlyEnded
    return configuration
  }

  /// `configurations`, each connection named for its `role` (`client 2`).
  private func renamed(_ configurations: [AMQPConnectionConfiguration], _ role: String)
    -> [AMQPConnectionConfiguration]
  {
    configurations.map { configuration in
      var configuration = configuration
      configuration.connectionName = "\(configuration.connectionName ?? "rpc-bench") \(role)"
      return configuration
    }
  }

  /// Holds `calls` requests in flight against a queue nobody consumes and reports the
  /// resident memory they cost.
  private func measurePendingMemory(
    _ calls: Int, amqp: [AMQPConnectionConfiguration], logger: Logger
  )
    async throws
  {
    let clientConnection = try await connect(renamed(amqp, "client"), logger: logger)
    let queueName = "rpc-bench-memory-\(getpid())"
    let channel = try await clientConnection.openChannel()
    try await channel.queueDeclare(queueName, autoDelete: false)
    let client = try await RPCClient.start(
      connection: clientConnection,
      configuration: RPCClientConfiguration(
        queue: queueName, timeout: .seconds(600), logger: logger))
    _ = try? await client.fibonacci(0, timeout: .milliseconds(1))  // warm the code paths up
    if !asyncAPI {
      // The callback API needs no task per call: this is the client's own cost.
      let before = ProcessMetrics.residentBytes()
      for _ in 0..<calls { client.fibonacci(1) { _ in } }
      while client.stats().inFlight < calls { try await Task.sleep(for: .milliseconds(50)) }
      let growth = ProcessMetrics.residentBytes() - before
      let perCall = Double(growth) / Double(calls)
      print(
        json
          ? "{\"pending_calls\": \(calls), \"rss_growth_bytes\": \(growth), \"bytes_per_pending_call\": \(Format.fixed(perCall, 1)), \"api\": \"callback\"}"
          : "rpc-bench: \(calls) calls in flight (callback API) grew RSS by \(growth / 1024) KiB = "
            + "\(Format.fixed(perCall, 0)) bytes per pending call")
      try? await client.close()
      _ = try? await channel.queueDelete(queueName)
      try? await clientConnection.close()
      return
    }
    // Baseline: the same number of suspended tasks doing nothing, so the client's own share
    // can be told from the cost of a task per call.
    let parked = TaskParking()
    let baselineBefore = ProcessMetrics.residentBytes()
    let idle = (0..<calls).map { _ in Task { await parked.park() } }
    while parked.count < calls { try await Task.sleep(for: .milliseconds(50)) }
    let baselineAfter = ProcessMetrics.residentBytes()
    let before = ProcessMetrics.residentBytes()
    let tasks = (0..<calls).map { _ in Task { _ = try? await client.fibonacci(1) } }
    // Poll the client's own count until every call is registered.
    while client.stats().inFlight < calls {
      try await Task.sleep(for: .milliseconds(50))
    }
    let after = ProcessMetrics.residentBytes()
    let perCall = Double(after - before) / Double(calls)
    let perTask = Double(baselineAfter - baselineBefore) / Double(calls)
    if json {
      print(
        "{\"pending_calls\": \(calls), \"rss_growth_bytes\": \(after - before), "
          + "\"bytes_per_pending_call\": \(Format.fixed(perCall, 1)), \"bytes_per_idle_task\": \(Format.fixed(perTask, 1))}"
      )
    } else {
      print(
        "rpc-bench: \(calls) calls in flight grew RSS by \((after - before) / 1024) KiB = "
          + "\(Format.fixed(perCall, 0)) bytes per pending call, of which a suspended task alone costs "
          + "\(Format.fixed(perTask, 0)) (measured with as many idle tasks): the client's own share is "
          + "\(Format.fixed(perCall - perTask, 0)) bytes per call")
    }
    parked.release()
    for task in idle { await task.value }
    try? await client.close()
    for task in tasks { task.cancel() }
    _ = try? await channel.queueDelete(queueName)
    try? await clientConnection.close()
  }
}
