import AMQPClient
import AMQPRPC
import ArgumentParser
import Logging
import RPCCommandLine
import RPCDashboards
import RPCScreens
import ServiceLifecycle
import TerminalUI
import UnixSignals

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `rpc-server`: runs N workers answering fib(n) on the request queue.
@main
struct RPCServerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rpc-server",
    abstract: "Answer fib(n) requests from an AMQP queue (RabbitMQ's RPC tutorial, done properly).",
    discussion: """
      Each worker is a consumer of the request queue on its own channel with prefetch \
      (basic.qos), computes fib(n), publishes the answer to the request's reply_to with its \
      correlation_id, then acknowledges the request. Bad input (not a number, negative, above \
      --max-n, an oversized body) gets an error reply in the x-rpc-error header; a request \
      without reply_to is rejected without requeue. Replies go out on a connection of their \
      own, in confirm mode, and a request is acknowledged once the broker has taken its \
      reply: a reply the broker refuses (RabbitMQ closes the connection for a Direct \
      Reply-to name it cannot resolve) costs only that link a reconnection, and its request \
      is rejected without requeue, with a line on standard error naming it. A request that \
      keeps coming back after its handling was interrupted (3 times, counted by this server \
      or by a quorum queue's x-delivery-count) is rejected without requeue too, its line \
      among the requests'. The queue is adopted as it exists; it is \
      declared (as --queue-type) only when absent. SIGINT/SIGTERM/SIGHUP drain: workers stop \
      consuming, answer and acknowledge what they hold, and exit; what is still held after \
      --drain-timeout goes back to the queue (rejected with requeue), and a second signal \
      exits at once, requeueing the same way.

      On a terminal it shows the per-worker load: state, processed, errors, rate, service \
      times, utilisation and a trend per worker; keys add, remove, pause and resume workers \
      (press ? there). --no-tui, or no terminal, prints one line per request instead.

      A lost link to the broker is recovered (see --no-recovery): the workers come back \
      with their consumers and prefetch. A consumer the broker cancels (the queue deleted) \
      is restored: the queue is declared again and the worker consumes once more. The \
      screen shows each step; without it, a line on standard error reports each (standard \
      output keeps one line per request).
      """)

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var tracing: TracingOptions

  @Option(name: .shortAndLong, help: "Number of workers.", range: .workers)
  var workers = 1

  @Option(help: "Unacknowledged requests per worker (basic.qos prefetch).", range: .prefetch)
  var prefetch: UInt16 = 1

  @Option(help: "The request queue.")
  var queue = RPCWire.defaultQueue

  @Option(help: "The largest n served.", range: .fibonacciN)
  var maxN = 45

  @Option(help: "How fib is computed: recursive (time grows with n, n ≤ 45) or iterative (n ≤ 92).")
  var work = RPCWorkMode.recursive

  @Option(
    help: "Seconds a stop waits for held requests to be answered; then they are requeued.",
    range: .drainTimeout)
  var drainTimeout: Duration = .seconds(30)

  @Option(help: "Type of the queue when it has to be declared: classic or quorum.")
  var queueType = RPCQueueType.classic

  @Flag(
    help: ArgumentHelp(
      "Spread the workers over every --url endpoint (the nodes of a cluster).",
      discussion: """
        One connection per endpoint, each failing over to the others in turn when its node \
        goes; each new worker goes to the connection with the fewest workers. Without it, \
        one connection to the first endpoint that answers carries every worker.
        """))
  var spread = false

  @Flag(help: "One line per request instead of the screen (also when not on a terminal).")
  var noTui = false

  @Flag(
    help: ArgumentHelp(
      "Without the screen, print no line per request: only start, stop and errors.",
      discussion: "For load tests, where printing every request costs more than serving it."))
  var quiet = false

  @Option(
    help: "Serve the metrics in Prometheus text at http://127.0.0.1:<port>/metrics (only "
      + "127.0.0.1 listens; a line, or the screen's header, names the port)",
    range: .metricsPort)
  var metricsPort: Int?

  func validate() throws {
    guard maxN <= work.largestN else {
      throw ValidationError(
        "--max-n \(maxN) is above \(work.largestN), the largest n \(work.rawValue) fib answers "
          + "in seconds; use --work iterative for n up to \(RPCWorkMode.iterative.largestN)")
    }
  }

  func run() async throws {
    lineBufferStandardOutput()
    let logger = try connection.logger(label: "rpc-server")
    let amqp = try connection.configurations(name: "rpc-server")
    do {
      try await serve(amqp, logger: logger)
    } catch let exit as ExitCode {
      throw exit
    } catch let failure as CommandFailure {
      printToStandardError("rpc-server: \(failure)")
      throw ExitCode.failure
    } catch {
      printToStandardError("rpc-server: \(error)")
      throw ExitCode.failure
    }
  }

  private func serve(_ amqp: [AMQPConnectionConfiguration], logger: Logging.Logger) async throws {
    let connections =
      spread
      ? try await connectSpread(amqp, logger: logger) : [try await connect(amqp, logger: logger)]
    let connection = connections[0]
    // Before the server starts, so its metrics go to Prometheus; it listens until the
    // process exits.
    var metrics: MetricsEndpoint?
    if let metricsPort { metrics = try await MetricsExport.start(port: metricsPort) }
    try tracing.bootstrap()
    let configuration = RPCServerConfiguration(
      queue: queue, workers: workers, prefetch: prefetch, queueType: queueType, logger: logger,
      drainTimeout: drainTimeout)
    let fibonacci = FibonacciProcedure(maximumN: maxN, work: work)
    let server = try await RPCServer.start(
      connections: connections, configuration: configuration, handler: fibonacci.handler)
    var screen = !noTui && isatty(0) == 1 && isatty(1) == 1
    if screen, let problem = TerminalCapability.screenProblem() {
      printToStandardError(
        " [!] \(problem): line mode (set TERM, e.g. xterm-256color, for the screen)")
      screen = false
    }
    if screen {
      // A signal or `q` ends the screen once the workers drained (it shows them doing so);
      // a link that ended for good stays on it until then.
      try await StopSignals().run(
        connections.map { .init(service: $0, failureTerminationBehavior: .ignore) } + [
          .init(service: server),
          .init(
            service: ServerScreen(
              server: server, connection: connection,
              metricsAddress: metrics.map { "127.0.0.1:\($0.port)" }),
            successTerminationBehavior: .gracefullyShutdownGroup),
        ], logger: logger)
      print(" [x] Stopped cleanly after handling \(server.handledCount) requests.")
      return
    }
    try await serveLines(server, logger: logger)
  }

  /// Line mode: a line per request until a signal drains the workers (a second one stops at
  /// once) or the link ends for good.
  private func serveLines(_ server: RPCServer, logger: Logging.Logger) async throws {
    let connection = server.connection
    let events = quiet ? nil : server.events()
    let notices = server.notices()
    let origin =
      server.queue.declaredType.map { "declared \($0.rawValue)" }
      ?? "existing, \(server.queue.consumerCount) other consumers"
    let tls = connection.tlsSession.map { " (\($0))" } ?? ""
    let spread = spreadText(server)
    print(
      " [x] Awaiting RPC requests on \(queue) (\(origin)) at \(describeEndpoint(of: connection))"
        + tls + ": \(workers) worker\(workers == 1 ? "" : "s")" + spread
        + ", prefetch \(Prefetch.describe(prefetch)), \(work.rawValue) fib, "
        + "n ≤ \(server.fibonacci.maximumN)")
    let printer = Task {
      guard let events else { return }
      for await event in events { print(LineFormat.describe(event)) }
    }
    // Not part of the per-request log: on standard error, with --quiet too.
    let noticePrinter = Task {
      for await notice in notices {
        printToStandardError(LinkLines.line(notice).escapingControlCharacters)
      }
    }
    defer { noticePrinter.cancel() }
    let drainTimeout = self.drainTimeout
    let signals = await StopSignals(
      onFirst: { signal in
        let count = server.workerIDs.count
        print(
          " [x] Signal \(signal.rawValue): draining \(count) worker\(count == 1 ? "" : "s") (at most "
            + "\(Format.duration(drainTimeout.timeAmount)); a second signal stops at once)…")
      },
      onRepeat: { signal in
        print(
          " [x] Signal \(signal.rawValue) again: stopping now; held requests go back to the queue."
        )
      })
    do {
      try await signals.run(
        server.connections.map { .init(service: $0) } + [.init(service: server)], logger: logger)
    } catch let repeated as StopSignals.Repeated {
      // The group was cancelled: the workers requeued what they held, the link is closed.
      throw ExitCode(128 + repeated.signal.rawValue)
    } catch let reason as AMQPError {
      throw CommandFailure("the connection closed: \(reason)")
    }
    await printer.value
    let requeued = server.requeuedCount
    if requeued > 0 {
      print(
        " [x] \(requeued) request\(requeued == 1 ? "" : "s") still held after \(Format.duration(drainTimeout.timeAmount)) were requeued."
      )
    }
    print(" [x] Stopped cleanly after handling \(server.handledCount) requests.")
  }

  /// ` over 3 connections (127.0.0.1:5681: 2 workers, 127.0.0.1:5682: 1, …)` with --spread.
  private func spreadText(_ server: RPCServer) -> String {
    guard server.connections.count > 1 else { return "" }
    let byNode = Dictionary(grouping: server.stats().workers, by: \.endpoint)
    let counts = byNode.keys.sorted().map { "\($0): \(byNode[$0]?.count ?? 0)" }
    return " over \(server.connections.count) connections (\(counts.joined(separator: ", ")))"
  }
}

enum LineFormat {
  /// One line per request; what the peer sent (ids, messages quoting its body) is escaped.
  static func describe(_ event: RPCServerEvent) -> String {
    line(event).escapingControlCharacters
  }

  private static func line(_ event: RPCServerEvent) -> String {
    let milliseconds = Format.fixed(event.service.milliseconds, 2)
    let id = event.correlationID.isEmpty ? "-" : event.correlationID
    switch event.outcome {
    case .answered(let value):
      return
        " [.] \(event.n.map { "fib(\($0))" } ?? "reply") = \(value)  (\(event.worker), \(milliseconds) ms, id \(id))"
    case .refused(let kind, let message):
      return " [!] refused \(kind.rawValue): \(message)  (\(event.worker), id \(id))"
    case .rejected(let reason):
      return " [!] \(reason)  (\(event.worker))"
    case .interrupted:
      return
        " [!] link lost before the answer left: not answered, the broker requeued it  "
        + "(\(event.worker), id \(id))"
    }
  }
}
