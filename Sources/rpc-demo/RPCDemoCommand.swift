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

/// `rpc-demo`: both sides of the RPC pattern in one process and one screen.
@main
struct RPCDemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rpc-demo",
    abstract: "Watch RPC over AMQP work live: a client and a server's workers on one screen.",
    discussion: """
      The client (above) and the workers (below) run in this process but talk only through \
      the broker, on two connections, exactly as separate programs would: requests go to \
      --queue with reply_to and a correlation id; workers answer fib(n). Type numbers \
      (35, 30 31 32, 25x40, 1..20), add, remove or pause workers, inject an unknown reply \
      (F2), provoke a late one (F3), select a call (F4) and open its details (Enter: \
      properties, headers, bodies and where it is now), or press F8 for a guided tour. \
      Other rpc-client and \
      rpc-server processes pointed at the same broker and queue join in.

      Both connections recover from a lost link (a broker restart, a forced close): the \
      header shows RECONNECTING with the attempt and the next try, then how long the \
      outage lasted; the client's renamed callback queue and the calls the break affected \
      show under the input line (see --no-recovery and the --reconnect options).
      """)

  @OptionGroup var connection: ConnectionOptions

  @Option(name: .shortAndLong, help: "Workers to start.", range: .demoWorkers)
  var workers = 3

  @Option(help: "The request queue.")
  var queue = RPCWire.defaultQueue

  @Option(help: "Seconds each call waits for its reply.", range: .replyTimeout)
  var timeout: Duration = .seconds(10)

  @Option(help: "How fib is computed: recursive (time grows with n) or iterative.")
  var work = RPCWorkMode.recursive

  @Option(help: "The largest n the workers serve.", range: .fibonacciN)
  var maxN = 40

  @Flag(help: "Start the guided tour at once and repeat it (for a screen left running).")
  var tour = false

  @Flag(help: "With --tour: run it once, then stay interactive.")
  var tourOnce = false

  @Option(help: "Seconds each tour step stays on screen.", range: .tourPace)
  var tourPace: Duration = .seconds(4)

  @Option(help: "Type of the queue when it has to be declared: classic or quorum.")
  var queueType = RPCQueueType.classic

  @Flag(
    help: "Mark fib calls idempotent: calls in flight when a link is lost are sent again.")
  var idempotent = false

  @Flag(
    help: "Spread the workers over every --url endpoint (the nodes of a cluster; see rpc-server).")
  var spread = false

  @Option(
    help: ArgumentHelp(
      "The RabbitMQ node names of the --url endpoints, in the same order, comma-separated.",
      discussion: """
        For a cluster on this machine (Scripts/demo --cluster starts one): the demo names \
        each connection's node, shows the request queue's leader (rabbitmqctl list_queues), \
        and F9 then 1, 2, 3… stops or starts a node (rabbitmqctl stop_app / start_app), so \
        that the failover can be watched live.
        """,
      valueName: "n1@host,n2@host,…"))
  var clusterNodes: String?

  func validate() throws {
    if let clusterNodes {
      let endpoints = try connection.configurations(name: "rpc-demo").count
      let names = clusterNodes.split(separator: ",", omittingEmptySubsequences: false)
      guard names.count == endpoints, names.allSatisfy({ $0.contains("@") }) else {
        throw ValidationError(
          "--cluster-nodes needs one node name (name@host) per broker URL, in the same order: "
            + "\(names.count) given for \(endpoints) URL\(endpoints == 1 ? "" : "s")")
      }
    }
    guard isatty(0) == 1, isatty(1) == 1 else {
      throw ValidationError(
        "rpc-demo needs a terminal; use rpc-server and rpc-client --no-tui in scripts")
    }
    if let problem = TerminalCapability.screenProblem() {
      throw ValidationError(
        "rpc-demo needs a terminal that can move the cursor: \(problem); set TERM (for example "
          + "TERM=xterm-256color), or use rpc-server and rpc-client --no-tui")
    }
  }

  func run() async throws {
    lineBufferStandardOutput()
    let logger = try connection.logger(label: "rpc-demo")
    do {
      let serverConfigurations = try connection.configurations(name: "rpc-demo", role: "server")
      let serverConnections =
        spread
        ? try await connectSpread(serverConfigurations, logger: logger)
        : [try await connect(serverConfigurations, logger: logger)]
      let serverConnection = serverConnections[0]
      let clientConnection = try await connect(
        connection.configurations(name: "rpc-demo", role: "client"), logger: logger)
      let server = try await RPCServer.start(
        connections: serverConnections,
        configuration: RPCServerConfiguration(
          queue: queue, workers: workers, queueType: queueType, logger: logger),
        handler: .fibonacci(maximumN: maxN, work: work))
      let client = try await RPCClient.start(
        connection: clientConnection,
        configuration: RPCClientConfiguration(
          queue: queue, timeout: timeout, logger: logger))
      let screen = DemoScreen(
        client: client, clientConnection: clientConnection, server: server,
        serverConnection: serverConnection, tourPace: tourPace, startTour: tour || tourOnce,
        loopTour: !tourOnce, cluster: try cluster(), idempotent: idempotent)
      // Shut down in reverse: the screen, then the workers answer what they hold while the
      // callback queue still exists; then what a drain timeout put back (or a send published
      // late) is taken out (no orphan request); then the client and the connections close.
      // The screen shows a link that ended for good until the user leaves.
      let sweep = ClosureService {
        guard (try? await gracefulShutdown()) != nil else { return }
        _ = try? await screen.removeOwnRequests()
      }
      try await StopSignals().run(
        serverConnections.map { .init(service: $0, failureTerminationBehavior: .ignore) } + [
          .init(service: clientConnection, failureTerminationBehavior: .ignore),
          .init(service: client), .init(service: sweep), .init(service: server),
          .init(service: screen, successTerminationBehavior: .gracefullyShutdownGroup),
        ], logger: logger)
      // Every request in one class, as rpc-client's summary; those taken back out of the
      // queue are among the calls cancelled at the quit.
      var accounting = CallAccounting(client.stats())
      (accounting.linkLosses, accounting.recoveries) = screen.linkCounts
      let takenBack = screen.requestsTakenBack
      print(
        " [x] rpc-demo: \(accounting.text)"
          + (takenBack > 0 ? "; \(takenBack) taken back out of \(queue) unanswered" : "")
          + "; workers handled \(server.handledCount). Bye.")
    } catch let failure as CommandFailure {
      print("rpc-demo: \(failure)")
      throw ExitCode.failure
    } catch {
      print("rpc-demo: \(error)")
      throw ExitCode.failure
    }
  }

  /// The cluster's nodes from --cluster-nodes, matched to the endpoints in order.
  private func cluster() throws -> ClusterNodes? {
    guard let clusterNodes else { return nil }
    let endpoints = try connection.configurations(name: "rpc-demo").map(\.endpoint)
    return ClusterNodes(
      names: clusterNodes.split(separator: ",").map(String.init), endpoints: endpoints)
  }
}
