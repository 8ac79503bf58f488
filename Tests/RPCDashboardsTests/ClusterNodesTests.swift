import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// The demo's cluster line (`rpc-demo --cluster-nodes`): every node's state and what is on
/// it at any width, and F9 then a digit choosing the node to stop or start.
@Suite struct ClusterNodesTests {
  func nodes() -> ClusterNodes {
    var cluster = ClusterNodes(
      names: ["n1@localhost", "n2@localhost", "n3@localhost"],
      endpoints: ["127.0.0.1:5681", "127.0.0.1:5682", "127.0.0.1:5683"])
    cluster.nodes[0].state = .running
    cluster.nodes[1].state = .running
    cluster.nodes[2].state = .stopped
    cluster.leader = "n2@localhost"
    return cluster
  }

  @Test func theLineSaysWhereTheClientTheLeaderAndTheWorkersAre() {
    let workers = ["127.0.0.1:5681", "127.0.0.1:5682", "127.0.0.1:5682"]
    let wide = nodes().line(
      clientEndpoint: "127.0.0.1:5681", workerEndpoints: workers, width: 200)
    #expect(
      wide.text
        == "cluster: n1 up (client, 1 worker) · n2 up (leader, 2 workers) · n3 DOWN · F9 stop/start a node"
    )
    #expect(wide.style == .warning)
    var withMembers = nodes()
    withMembers.members = ["n1@localhost", "n2@localhost", "n3@localhost"]
    withMembers.online = ["n1@localhost", "n2@localhost"]
    #expect(
      withMembers.line(clientEndpoint: "127.0.0.1:5681", workerEndpoints: workers, width: 200)
        .text.contains(" · queue members 2/3 online · F9 stop/start a node"))
    let narrow = nodes().line(clientEndpoint: "127.0.0.1:5681", workerEndpoints: workers, width: 60)
    #expect(narrow.text == "n1 up (client, w1) · n2 up (leader, w2) · n3 DOWN")
    let tiny = nodes().line(clientEndpoint: "127.0.0.1:5681", workerEndpoints: workers, width: 20)
    #expect(tiny.text == "n1 up n2 up n3 DOWN")
  }

  @Test func allRunningIsNotAWarning() {
    var cluster = nodes()
    cluster.nodes[2].state = .running
    #expect(cluster.line(clientEndpoint: "", workerEndpoints: [], width: 120).style == .normal)
  }

  @Test func f9ThenADigitStopsARunningNodeOrStartsAStoppedOne() {
    var demo = ScreenFixtures.demo()
    demo.cluster = nodes()
    let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    #expect(demo.handle(.function(9), now: now).isEmpty)
    #expect(demo.cluster?.choosing == true)
    let prompt = demo.cluster?.line(clientEndpoint: "", workerEndpoints: [], width: 80).text
    #expect(prompt == "Node: press 1 stops n1 · 2 stops n2 · 3 starts n3 (any other key: none)")
    #expect(demo.handle(.character("3"), now: now) == [.toggleNode(2)])
    #expect(demo.cluster?.choosing == false)
    // Any other key cancels the choice and does nothing else (no digit reaches the input).
    _ = demo.handle(.function(9), now: now)
    #expect(demo.handle(.character("7"), now: now).isEmpty)
    #expect(demo.cluster?.choosing == false)
    #expect(demo.client.input.text.isEmpty)
    _ = demo.handle(.character("7"), now: now)  // now typed into the input
    #expect(demo.client.input.text == "7")
  }

  @Test func withoutAClusterF9DoesNothingAndIsNotOffered() {
    var demo = ScreenFixtures.demo()
    let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    #expect(demo.handle(.function(9), now: now).isEmpty)
    var buffer = ScreenBuffer(width: 120, height: 40)
    demo.render(into: &buffer, now: now)
    #expect(!buffer.trimmedLines.joined().contains("F9"))
    demo.cluster = nodes()
    demo.render(into: &buffer, now: now)
    #expect(buffer.trimmedLines.joined().contains("F9"))
    #expect(buffer.trimmedLines.contains { $0.contains("n3 DOWN") })
  }

  @Test func theQueueInfoIsReadFromRabbitmqctlsJSON() {
    let json = """
      [
      {"name":"other","leader":"","members":"","online":""}
      ,{"name":"rpc_queue","leader":"n2@localhost","members":["n1@localhost","n2@localhost","n3@localhost"],"online":["n1@localhost","n2@localhost"]}
      ]
      """
    let info = ClusterQueueInfo(json: json, queue: "rpc_queue")
    #expect(info?.leader == "n2@localhost")
    #expect(info?.members.count == 3)
    #expect(info?.online == ["n1@localhost", "n2@localhost"])
    #expect(ClusterQueueInfo(json: json, queue: "other")?.leader == nil)
    #expect(ClusterQueueInfo(json: "not json", queue: "rpc_queue") == nil)
  }

  @Test func theRunningNodesAreReadFromClusterStatusJSON() {
    let json = """
      {"alarms":[],"disk_nodes":["n1@localhost","n2@localhost","n3@localhost"],
       "running_nodes":["n3@localhost","n2@localhost"]}
      """
    #expect(ClusterNodes.runningNodes(clusterStatusJSON: json) == ["n2@localhost", "n3@localhost"])
    #expect(ClusterNodes.runningNodes(clusterStatusJSON: "Error: …") == nil)
  }

  @Test func theDemoWithoutWorkersNamesItsOwnAddKey() {
    var demo = ScreenFixtures.demo()
    demo.server.update(stats: RPCServerStats(workers: []), now: .uptimeNanoseconds(1))
    var buffer = ScreenBuffer(width: 80, height: 24)
    demo.render(into: &buffer, now: .uptimeNanoseconds(1))
    #expect(buffer.trimmedLines.contains { $0.contains("no workers — press F5 to add one") })
  }
}
