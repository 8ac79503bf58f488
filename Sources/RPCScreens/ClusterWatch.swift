import Foundation
import NIOConcurrencyHelpers
import RPCDashboards

/// The local cluster behind `rpc-demo --cluster-nodes`: looks every 3 s at the request
/// queue's leader and members through `rabbitmqctl list_queues` (the AMQP 0-9-1 passive
/// declare does not say them), and stops or starts a node with `rabbitmqctl stop_app` /
/// `start_app` (the Erlang node stays up, so a start takes seconds; to the clients a
/// stopped app is a stopped node: their connections are closed and the port refuses).
///
/// Only for nodes on this machine, run by a user allowed to use `rabbitmqctl` on them
/// (`Scripts/cluster` starts such a cluster).
struct ClusterWatch: Sendable {
  private let state: NIOLockedValueBox<ClusterNodes>
  private let queue: String
  /// What a stop or start did, for the screen to say (taken once).
  private let notices = NIOLockedValueBox<[(text: String, isError: Bool)]>([])

  init(nodes: ClusterNodes, queue: String) {
    self.state = NIOLockedValueBox(nodes)
    self.queue = queue
  }

  var current: ClusterNodes { state.withLockedValue { $0 } }

  /// What the stops and starts did since the last call.
  func takeNotices() -> [(text: String, isError: Bool)] {
    notices.withLockedValue { notices in
      defer { notices.removeAll() }
      return notices
    }
  }

  /// The task that keeps the leader, members and node states current until cancelled.
  func start() -> Task<Void, Never> {
    Task { [self] in
      while !Task.isCancelled {
        await look()
        try? await Task.sleep(for: .seconds(3))  // a refresh period, not a synchronisation
      }
    }
  }

  /// Stops the node at `index` when it runs, else starts it; its state shows the step under
  /// way until `rabbitmqctl` returns.
  func toggle(_ index: Int) {
    let notices = self.notices
    let node = state.withLockedValue { nodes -> ClusterNodes.Node? in
      guard nodes.nodes.indices.contains(index) else { return nil }
      let node = nodes.nodes[index]
      switch node.state {
      case .stopping, .starting:
        notices.withLockedValue {
          $0.append(("\(node.shortName) is still \(ClusterNodes.label(node.state))", false))
        }
        return nil  // one step at a time
      case .running, .stopped, .unknown: break
      }
      nodes.nodes[index].state = node.state == .running ? .stopping : .starting
      return node
    }
    guard let node else { return }
    let stopping = node.state == .running
    notices.withLockedValue {
      $0.append(
        (
          stopping
            ? "stopping RabbitMQ on \(node.shortName) (rabbitmqctl stop_app): its connections "
              + "close, watch them fail over"
            : "starting RabbitMQ on \(node.shortName) (rabbitmqctl start_app)…", false
        ))
    }
    Task { [self] in
      let done = await Self.rabbitmqctl(["-n", node.name, stopping ? "stop_app" : "start_app"])
      state.withLockedValue { nodes in
        guard let at = nodes.nodes.firstIndex(where: { $0.name == node.name }) else { return }
        nodes.nodes[at].state =
          done != nil ? (stopping ? .stopped : .running) : .unknown
      }
      if done == nil {
        // start_app needs the node's Erlang VM: a node stopped for good (Scripts/cluster
        // stop-node, a crash) must be started as a whole.
        notices.withLockedValue {
          $0.append(
            (
              "rabbitmqctl -n \(node.name) \(stopping ? "stop_app" : "start_app") failed: is the "
                + "node itself running? (Scripts/cluster start-node \(node.shortName) starts "
                + "a node stopped for good)", true
            ))
        }
      }
      await look()
    }
  }

  /// Asks the first node that answers which nodes run (`cluster_status`) and where the
  /// request queue's leader and members are (`list_queues`): two `rabbitmqctl` runs of about
  /// half a second of CPU each, hence the 3 s period. No node answering: all unknown.
  private func look() async {
    var running: Set<String>?
    var queueInfo: ClusterQueueInfo?
    for node in current.nodes {
      guard
        let status = await Self.rabbitmqctl(
          ["-n", node.name, "-q", "cluster_status", "--formatter", "json"]),
        let nodes = ClusterNodes.runningNodes(clusterStatusJSON: status)
      else { continue }
      running = nodes
      let listing = await Self.rabbitmqctl([
        "-n", node.name, "-q", "list_queues", "name", "leader", "members", "online",
        "--formatter", "json",
      ])
      queueInfo = listing.flatMap { ClusterQueueInfo(json: $0, queue: queue) }
      break
    }
    state.withLockedValue { cluster in
      for index in cluster.nodes.indices {
        switch cluster.nodes[index].state {
        case .stopping, .starting: continue  // rabbitmqctl answers when the step is done
        case .running, .stopped, .unknown:
          cluster.nodes[index].state =
            running.map { $0.contains(cluster.nodes[index].name) ? .running : .stopped }
            ?? .unknown
        }
      }
      cluster.leader = queueInfo?.leader
      cluster.members = queueInfo?.members ?? []
      cluster.online = queueInfo?.online ?? []
    }
  }

  /// Runs `rabbitmqctl` with `arguments` on a thread of its own (not the concurrency
  /// pool's); its standard output when it exits 0, else nil. The output is read to its end
  /// before waiting, so that a long listing cannot block the command on a full pipe.
  static func rabbitmqctl(_ arguments: [String]) async -> String? {
    await withCheckedContinuation { (done: CheckedContinuation<String?, Never>) in
      Thread.detachNewThread {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["rabbitmqctl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else {
          done.resume(returning: nil)
          return
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        done.resume(
          returning: process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil)
      }
    }
  }
}
