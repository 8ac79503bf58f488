import AMQPClient
import AMQPRPC
import ArgumentParser
import Logging
import RPCCommandLine
import RPCDashboards
import RPCScreens
import ServiceLifecycle
import TerminalUI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `rpc-client`: calls fib(n) on the RPC servers.
@main
struct RPCClientCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rpc-client",
    abstract: "Call fib(n) over AMQP: RabbitMQ's RPC tutorial client, done properly.",
    discussion: """
      With numbers (rpc-client 35, rpc-client 30 31 32, 30x5, 1..10) it sends them all at \
      once, prints each answer and exits: 0 when every call succeeded, 1 otherwise (timeout, \
      error reply, no queue to route to, no broker). Without numbers, on a terminal, it opens \
      the interactive screen: type numbers, watch calls in flight by correlation id, replies \
      with round-trip times, and late or unknown replies being discarded (press ? there); \
      quitting it prints the summary described below, calls still in flight ending as \
      cancelled. \
      With --no-tui, or when not on a terminal, it reads lines of numbers from standard \
      input, prints one result line per request, and ends with a summary in which every \
      request sent is in exactly one class: ok, error reply, timed out, unroutable, \
      connection lost or cancelled (plus replies discarded as late, duplicate or unknown).

      A lost link to the broker is recovered (see --no-recovery): calls in flight at the \
      break end as connection lost, calls made meanwhile wait within their timeout, and \
      requests afterwards name the new callback queue. Without the screen, a line on \
      standard error reports each step (lost, reconnecting, recovered, blocked), so that \
      standard output holds only results.

      Each request goes to the request queue through the default exchange with reply_to set \
      to this client's exclusive callback queue and a unique correlation_id; the body is n as \
      decimal text, so any tutorial server in any language answers it.
      """)

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var tracing: TracingOptions

  @Argument(
    help: "Numbers to request: 35, 30 31 32, 30x50 (repeat), 1..40 (range); texts with --raw.")
  var numbers: [String] = []

  @Flag(
    help: ArgumentHelp(
      "Send each argument as it is (UTF-8 text) and print each reply body as it is.",
      discussion: """
        For any RPC service on RabbitMQ, in any language: rpc-client --queue Q --raw TEXT…. \
        Replies are printed in the order of the arguments, one per line; error replies and \
        failures go to standard error. Exit 0 when every call got a reply that is not an \
        error reply. Without texts, on a terminal, the screen opens in raw mode: each line \
        typed is sent as it is. With \
        --no-tui, or when not on a terminal, each line of standard input is sent as it is \
        (an empty line sends nothing), each reply body is printed on its own line in the \
        order of the lines, and the summary ends the output.
        """))
  var raw = false

  @Flag(
    help: """
      Send even when the queue has no consumer, and wait (within --timeout) for a server; \
      by default a call to a queue nobody consumes fails at once as "no responders".
      """)
  var waitForServer = false

  @Option(help: "Seconds to wait for each reply.", range: .replyTimeout)
  var timeout: Duration = .seconds(30)

  @Option(help: "The request queue.")
  var queue = RPCWire.defaultQueue

  @Flag(
    help: ArgumentHelp(
      "Mark fib calls idempotent: a call in flight when the link is lost is sent again.",
      discussion: """
        fib(n) may safely run twice. Without it such a call fails as connection lost; with \
        it the request is published again once the link is recovered (on a cluster, through \
        another node) with the new reply_to, and a second answer is discarded as a \
        duplicate or late reply.
        """))
  var idempotent = false

  @Flag(help: "Use RabbitMQ's Direct Reply-to instead of an exclusive callback queue.")
  var directReplyTo = false

  @Flag(
    help: "Read numbers from standard input, one result line per request, instead of the screen.")
  var noTui = false

  @Flag(
    help: ArgumentHelp(
      "End with the summary as one JSON object on standard output; no screen.",
      discussion: """
        Members: sent, ok, error, timed_out, unroutable, connection_lost, cancelled, \
        in_flight (these add up to sent), discarded_late, discarded_duplicate, \
        discarded_unknown, link_lost, recovered. The result lines go to standard error.
        """))
  var json = false

  @Option(
    help: ArgumentHelp(
      "Write one JSON line per call to FILE as it ends (- for standard output).",
      discussion: """
        In every mode (numbers, the line mode, the screen). Members: correlation_id, n, \
        request, outcome, result, error, error_kind, round_trip_us, queue_wait_us, \
        service_us, return_trip_us, worker, ended_at (ISO 8601 UTC); text values longer than \
        4,096 characters are cut and end with …[cut: N bytes]. An existing FILE is refused \
        (see --record-append). Each line is written as its call ends, and rpc-client waits \
        for the calls it started before exiting (also on Ctrl-C in the screen and on \
        SIGTERM), so the file holds one line per call ended. With -, result lines go to \
        standard error.
        """),
    completion: .file())
  var record: String?

  @Flag(help: "With --record: append to FILE when it exists rather than refuse it.")
  var recordAppend = false

  func validate() throws {
    if recordAppend, record == nil { throw ValidationError("--record-append needs --record FILE") }
    if raw { return }  // texts, or none: the screen or the line mode, raw
    if case .failure(let error) = NumberList.parse(numbers.joined(separator: " ")) {
      throw ValidationError("\(error)")
    }
  }

  func run() async throws {
    lineBufferStandardOutput()
    let logger = try connection.logger(label: "rpc-client")
    let amqp = try connection.configurations(name: "rpc-client")
    let requested =
      raw ? [] : (try? NumberList.parse(numbers.joined(separator: " ")).get()) ?? []
    let oneShot = raw ? !numbers.isEmpty : !requested.isEmpty
    // `--record -` takes standard output: the line mode then, as for --json.
    var interactive =
      !oneShot && !noTui && !json && record != "-" && isatty(0) == 1 && isatty(1) == 1
    if interactive, let problem = TerminalCapability.screenProblem() {
      printToStandardError(
        " [!] \(problem): line mode (set TERM, e.g. xterm-256color, for the screen)")
      interactive = false
    }
    let recorder: CallRecorder?
    do {
      recorder = try record.map { path throws(LineFile.Failure) in
        try CallRecorder(path: path, append: recordAppend)
      }
    } catch {
      printToStandardError("rpc-client: --record \(error)")
      throw ExitCode.failure
    }
    do {
      try tracing.bootstrap()
      let amqpConnection = try await connect(amqp, logger: logger)
      let client = try await RPCClient.start(
        connection: amqpConnection,
        configuration: clientConfiguration(logger: logger, oneShot: oneShot))
      if interactive {
        let screen = ClientScreen(
          client: client, connection: amqpConnection, raw: raw, idempotent: idempotent,
          recorder: recorder)
        // Only the screen takes signals as a stop; elsewhere Ctrl-C keeps its default meaning.
        // Closing the client ends the calls still in flight as cancelled: the summary
        // accounts for all.
        try await StopSignals().run(
          [
            .init(service: amqpConnection, failureTerminationBehavior: .ignore),
            .init(service: client),
            .init(service: screen, successTerminationBehavior: .gracefullyShutdownGroup),
          ], logger: logger)
        await recorder?.waitForEnds()
        var accounting = CallAccounting(client.stats())
        (accounting.linkLosses, accounting.recoveries) = screen.linkCounts
        let takenBack = screen.requestsTakenBack
        print(
          " [x] " + accounting.text
            + (takenBack > 0 ? "; \(takenBack) taken back out of \(queue) unanswered" : ""))
        finishRecording(recorder)
        return
      }
      let output = ResultOutput(toStandardError: json || record == "-")
      let link = LinkReport(client: client)
      let ok: Bool
      if raw, oneShot {
        ok = await RawCalls(client: client, output: output, recorder: recorder).run(numbers)
      } else if raw {
        ok = await RawLineMode(client: client, output: output, recorder: recorder).run()
      } else if requested.isEmpty {
        await warnWithoutWorkers(client, output: output, waits: true)
        ok = await LineMode(
          client: client, idempotent: idempotent, output: output, recorder: recorder
        ).run()
      } else {
        await warnWithoutWorkers(client, output: output, waits: waitForServer)
        ok = await OneShot(
          client: client, output: output, idempotent: idempotent, recorder: recorder
        ).run(requested)
      }
      var accounting = CallAccounting(client.stats())
      try? await client.close()
      await recorder?.waitForEnds()
      let recorded = finishRecording(recorder)
      (accounting.linkLosses, accounting.recoveries) = await link.finish()
      if json {
        print(CallAccounting.jsonObject(accounting.jsonFields))
      } else if !oneShot {
        output(" [x] " + accounting.text)
      }
      try? await amqpConnection.close()
      if !ok || !recorded { throw ExitCode.failure }
    } catch let failure as CommandFailure {
      finishRecording(recorder)
      printToStandardError("rpc-client: \(failure)")
      throw ExitCode.failure
    }
  }

  /// Closes the record and says on standard error how many calls it holds; returns whether
  /// every call ended is in it.
  @discardableResult
  private func finishRecording(_ recorder: CallRecorder?) -> Bool {
    guard let recorder else { return true }
    let (text, complete) = recorder.finish()
    printToStandardError(complete ? " [x] \(text)" : " [!] \(text)")
    return complete
  }

  /// The one-shot forms fail at once without responders unless --wait-for-server; the
  /// screen and the line mode, where a server may start while one watches, wait.
  private func clientConfiguration(logger: Logging.Logger, oneShot: Bool)
    -> RPCClientConfiguration
  {
    var configuration = RPCClientConfiguration(
      queue: queue, timeout: timeout, directReplyTo: directReplyTo, logger: logger)
    configuration.noResponders = oneShot && !waitForServer ? .fail : .wait
    return configuration
  }

  /// `waits`: requests wait in the queue for a server (line mode, --wait-for-server); else
  /// they fail at once, unsent (the one-shot's no-responders policy).
  private func warnWithoutWorkers(_ client: RPCClient, output: ResultOutput, waits: Bool) async {
    let listening: Int?
    do {
      listening = try await client.workersListening()
    } catch {
      return  // the probe failed; the calls will say what is wrong
    }
    guard let listening else {
      output(
        " [!] queue \(queue) does not exist: no rpc-server has started; requests are unroutable")
      return
    }
    if listening == 0 {
      output(
        waits
          ? " [!] no workers are listening on \(queue) yet; requests wait there for one "
            + "(at most the timeout, \(Format.duration(client.configuration.timeout)))"
          : " [!] no server consumes \(queue): each request fails at once, unsent "
            + "(--wait-for-server sends them to wait for one)")
    }
  }
}

/// `rpc-client 35`: the tutorial's one-shot form, with several numbers sent at once.
struct OneShot {
  let client: RPCClient
  let output: ResultOutput
  let idempotent: Bool
  let recorder: CallRecorder?

  func run(_ numbers: [Int]) async -> Bool {
    for n in numbers { output(" [x] Requesting fib(\(n))") }
    let results = await withTaskGroup(of: Bool.self) { group in
      for n in numbers {
        group.addTask {
          recorder?.started()
          let result = await Result.awaiting {
            try await client.fibonacci(n, idempotent: idempotent)
          }
          recorder?.ended(n: n, request: nil, result: result)
          switch result {
          case .success(let reply):
            output(" [.] Got \(reply.value)" + (numbers.count > 1 ? "  (fib(\(n)))" : ""))
            return true
          case .failure(let error):
            output(" [!] fib(\(n)) failed: \(error)")
            return false
          }
        }
      }
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    return results.allSatisfy { $0 }
  }
}

/// `rpc-client --no-tui`: numbers from standard input, one line out per request.
struct LineMode {
  let client: RPCClient
  let idempotent: Bool
  let output: ResultOutput
  let recorder: CallRecorder?

  func run() async -> Bool {
    var allOK = true
    await withTaskGroup(of: Bool.self) { group in
      while let line = readLine() {
        switch NumberList.parse(line) {
        case .failure(let error):
          output(" [!] \(error); nothing sent")
          allOK = false
        case .success(let numbers):
          for n in numbers {
            group.addTask { await call(n) }
          }
        }
      }
      for await ok in group where !ok { allOK = false }
    }
    return allOK
  }

  private func call(_ n: Int) async -> Bool {
    recorder?.started()
    let result = await Result.awaiting { try await client.fibonacci(n, idempotent: idempotent) }
    recorder?.ended(n: n, request: nil, result: result)
    do {
      let reply = try result.get()
      let milliseconds = reply.roundTrip.milliseconds
      output(
        " [.] fib(\(n)) = \(reply.value)  (\(reply.correlationID), "
          + "\(Int(milliseconds.rounded())) ms\(reply.worker.map { ", \($0)" } ?? ""))")
      return true
    } catch {
      output(" [!] fib(\(n)): \(error)")
      return false
    }
  }
}

/// Where result lines go: standard output, or standard error when standard output is kept
/// for the JSON summary.
struct ResultOutput: Sendable {
  let toStandardError: Bool

  func callAsFunction(_ line: String) {
    if toStandardError { printToStandardError(line) } else { print(line) }
  }
}

/// Prints a line on standard error for each of the client's link events (lost, reconnecting,
/// recovered, blocked…) and counts the losses and recoveries for the summary.
struct LinkReport {
  private let task: Task<(losses: Int, recoveries: Int), Never>

  init(client: RPCClient) {
    let events = client.events()
    task = Task {
      var counts = (losses: 0, recoveries: 0)
      for await event in events {
        guard case .link(let link) = event else { continue }
        switch link {
        case .lost: counts.losses += 1
        case .recovered: counts.recoveries += 1
        case .reconnecting, .callbackQueueLost, .callbackQueueReplaced, .blocked, .unblocked,
          .closed:
          break
        }
        printToStandardError(LinkLines.line(link))
      }
      return counts
    }
  }

  /// Waits until the client's event stream has ended (the client is closed) and every line
  /// is printed; returns the counts.
  func finish() async -> (losses: Int, recoveries: Int) { await task.value }
}
