import Foundation
import TerminalUI

/// The nodes of the local cluster the demo runs on (`rpc-demo --cluster-nodes`, started by
/// `Scripts/demo --cluster`): each node's state, which of them leads the request queue (a
/// quorum queue, one Raft group) and holds its members, and which node each side of the
/// demo is connected to. One line of the demo.
package struct ClusterNodes: Sendable, Hashable {
  package enum State: Sendable, Hashable {
    case running, stopping, stopped, starting
    /// Not yet known (before the first look), or the last look failed.
    case unknown
  }

  package struct Node: Sendable, Hashable {
    /// The Erlang node name, `n1@localhost`.
    package var name: String
    /// Its AMQP endpoint, `127.0.0.1:5681` (the matching `--url`).
    package var endpoint: String
    package var state: State = .unknown

    /// `n1`: the name before `@`.
    package var shortName: String { String(name.split(separator: "@").first ?? Substring(name)) }
  }

  package var nodes: [Node]
  /// The node leading the request queue, when known.
  package var leader: String?
  /// The nodes holding a member of the request queue, and those of them online.
  package var members: [String] = []
  package var online: [String] = []
  /// Whether F9 was pressed: the next key picks the node to stop or start.
  package var choosing = false

  package init(names: [String], endpoints: [String]) {
    nodes = zip(names, endpoints).map { Node(name: $0, endpoint: $1) }
  }

  /// Endpoint → short name, for the server's node column.
  package var shortNames: [String: String] {
    Dictionary(nodes.map { ($0.endpoint, $0.shortName) }, uniquingKeysWith: { first, _ in first })
  }

  /// The line for `width` cells: each node's state and what is on it (the client, the
  /// queue's leader, how many workers), or, while choosing, which key stops or starts which
  /// node. Longest form first; the shortest keeps every node's state.
  package func line(clientEndpoint: String, workerEndpoints: [String], width: Int) -> (
    text: String, style: StyleRole
  ) {
    if choosing {
      let choices = nodes.enumerated().map { index, node in
        switch node.state {
        case .running: "\(index + 1) stops \(node.shortName)"
        case .stopping, .starting: "\(index + 1) \(node.shortName) \(Self.label(node.state))"
        case .stopped, .unknown: "\(index + 1) starts \(node.shortName)"
        }
      }
      let forms = [
        "Node: press " + choices.joined(separator: " · ") + " (any other key: none)",
        "press " + choices.joined(separator: " · "),
        choices.joined(separator: " · "),
      ]
      return (forms.first { $0.cellWidth <= width } ?? forms[forms.count - 1], .accent)
    }
    func describe(_ node: Node, long: Bool) -> String {
      var tags: [String] = []
      if node.endpoint == clientEndpoint { tags.append("client") }
      if node.name == leader { tags.append("leader") }
      let workers = workerEndpoints.count { $0 == node.endpoint }
      if workers > 0 {
        tags.append(long ? "\(workers) worker\(workers == 1 ? "" : "s")" : "w\(workers)")
      }
      let state = Self.label(node.state)
      return node.shortName + " " + state
        + (tags.isEmpty ? "" : " (" + tags.joined(separator: ", ") + ")")
    }
    let long = nodes.map { describe($0, long: true) }.joined(separator: " · ")
    let short = nodes.map { describe($0, long: false) }.joined(separator: " · ")
    let bare = nodes.map { $0.shortName + " " + Self.label($0.state) }.joined(separator: " ")
    // The quorum queue's replicas: how many of its members run (a majority must).
    let replicas =
      members.isEmpty ? "" : " · queue members \(online.count)/\(members.count) online"
    let forms = [
      "cluster: " + long + replicas + " · F9 stop/start a node", "cluster: " + long + replicas,
      "cluster: " + long, short, bare,
    ]
    let trouble = nodes.contains { $0.state != .running }
    return (forms.first { $0.cellWidth <= width } ?? bare, trouble ? .warning : .normal)
  }

  package static func label(_ state: State) -> String {
    switch state {
    case .running: "up"
    case .stopping: "STOPPING…"
    case .stopped: "DOWN"
    case .starting: "STARTING…"
    case .unknown: "?"
    }
  }
}

/// The request queue's leader and members as `rabbitmqctl list_queues name leader members
/// online --formatter json` lists them (a classic queue has none: empty fields).
package struct ClusterQueueInfo: Sendable, Hashable {
  package var leader: String?
  package var members: [String]
  package var online: [String]

  /// The row of `queue` in the listing; nil when it is not there or the text is not JSON.
  package init?(json: String, queue: String) {
    guard
      let rows = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]],
      let row = rows.first(where: { $0["name"] as? String == queue })
    else { return nil }
    leader = (row["leader"] as? String).flatMap { $0.isEmpty ? nil : $0 }
    members = row["members"] as? [String] ?? []
    online = row["online"] as? [String] ?? []
  }
}

extension ClusterNodes {
  /// The nodes whose RabbitMQ application runs, from `rabbitmqctl cluster_status
  /// --formatter json` (`running_nodes`); nil when the text is not that.
  package static func runningNodes(clusterStatusJSON json: String) -> Set<String>? {
    guard
      let status = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
      let running = status["running_nodes"] as? [String]
    else { return nil }
    return Set(running)
  }
}
