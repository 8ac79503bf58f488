import AMQPClient
import AMQPRPC
import ArgumentParser
import Logging
import RPCCommandLine
import RPCDashboards
import RPCScreens

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
      with round-trip times, and late or unknown replies being discarded (press ? there). \
      With --no-tui, or when not on a terminal, it reads lines of numbers from standard \
      input and prints one result line per request.

      Each request goes to the request queue through the default exchange with reply_to set \
      to this client's exclusive callback queue and a unique correlation_id; the body is n as \
      decimal text, so any tutorial server in any language answers it.
      """)

  @OptionGroup var connection: ConnectionOptions

  @Argument(help: "Numbers to request: 35, 30 31 32, 30x50 (repeat), 1..40 (range).")
  var numbers: [String] = []

  @Option(help: "Seconds to wait for each reply.", range: .replyTimeout)
  var timeout: Duration = .seconds(30)

  @Option(help: "The request queue.")
  var queue = RPCWire.defaultQueue

  @Flag(help: "Use RabbitMQ's Direct Reply-to instead of an exclusive callback queue.")
  var directReplyTo = false

  @Flag(
    help: "Read numbers from standard input, one result line per request, instead of the screen.")
  var noTui = false

  func validate() throws {
    if case .failure(let error) = NumberList.parse(numbers.joined(separator: " ")) {
      throw ValidationError("\(error)")
    }
  }

  func run() async throws {
    lineBufferStandardOutput()
    let logger = try connection.logger(label: "rpc-client")
    let amqp = try connection.configuration(connectionName: "rpc-client")
    let requested = (try? NumberList.parse(numbers.joined(separator: " ")).get()) ?? []
    let interactive = requested.isEmpty && !noTui && isatty(0) == 1 && isatty(1) == 1
    // Only the screen needs signals as events; elsewhere Ctrl-C keeps its default meaning.
    let signals = interactive ? await SignalWatcher.install() : nil
    do {
      let amqpConnection = try await connect(amqp, logger: logger)
      let client = try await RPCClient.start(
        connection: amqpConnection,
        configuration: RPCClientConfiguration(
          queue: queue, timeout: timeout,
          directReplyTo: directReplyTo, logger: logger))
      let ok: Bool
      if let signals {
        await ClientScreen(client: client, connection: amqpConnection).run(signals: signals)
        ok = true
      } else if requested.isEmpty {
        ok = try await LineMode(client: client).run()
      } else {
        await warnWithoutWorkers(client)
        ok = await OneShot(client: client).run(requested)
      }
      try? await client.close()
      try? await amqpConnection.close()
      if !ok { throw ExitCode.failure }
    } catch let failure as CommandFailure {
      print("rpc-client: \(failure)")
      throw ExitCode.failure
    }
  }

  private func warnWithoutWorkers(_ client: RPCClient) async {
    let listening: Int?
    do {
      listening = try await client.workersListening()
    } catch {
      return  // the probe failed; the calls will say what is wrong
    }
    guard let listening else {
      print(
        " [!] queue \(queue) does not exist: no rpc-server has started; requests are unroutable")
      return
    }
    if listening == 0 {
      print(" [!] no workers are listening on \(queue); requests wait for one (or time out)")
    }
  }
}

/// `rpc-client 35`: the tutorial's one-shot form, with several numbers sent at once.
struct OneShot {
  let client: RPCClient

  func run(_ numbers: [Int]) async -> Bool {
    for n in numbers { print(" [x] Requesting fib(\(n))") }
    let results = await withTaskGroup(of: Bool.self) { group in
      for n in numbers {
        group.addTask {
          do {
            let reply = try await client.call(n)
            print(" [.] Got \(reply.value)" + (numbers.count > 1 ? "  (fib(\(n)))" : ""))
            return true
          } catch {
            print(" [!] fib(\(n)) failed: \(error)")
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

  func run() async throws -> Bool {
    var allOK = true
    await withTaskGroup(of: Bool.self) { group in
      while let line = readLine() {
        switch NumberList.parse(line) {
        case .failure(let error):
          print(" [!] \(error); nothing sent")
          allOK = false
        case .success(let numbers):
          for n in numbers {
            group.addTask { await call(n) }
          }
        }
      }
      for await ok in group where !ok { allOK = false }
    }
    let stats = client.stats()
    print(
      " [x] \(stats.sent) sent: \(stats.count(.ok)) ok, \(stats.count(.serverError)) errors, "
        + "\(stats.count(.timedOut)) timed out, \(stats.count(.unroutable)) unroutable; "
        + "discarded \(stats.count(.late)) late, \(stats.count(.unknown)) unknown, "
        + "\(stats.count(.duplicate)) duplicate")
    return allOK
  }

  private func call(_ n: Int) async -> Bool {
    do {
      let reply = try await client.call(n)
      let milliseconds = Double(reply.roundTrip.nanoseconds) / 1e6
      print(
        " [.] fib(\(n)) = \(reply.value)  (\(reply.correlationID), "
          + "\(Int(milliseconds.rounded())) ms\(reply.worker.map { ", \($0)" } ?? ""))")
      return true
    } catch {
      print(" [!] fib(\(n)): \(error)")
      return false
    }
  }
}
