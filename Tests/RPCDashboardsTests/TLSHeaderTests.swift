import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// Every screen's header names the TLS of an amqps connection, right after the broker URL,
/// and says nothing about TLS on plain TCP.
@Suite struct TLSHeaderTests {
  static let tls = "TLSv1.3 TLS_AES_256_GCM_SHA384"
  let now = NIODeadline.uptimeNanoseconds(50_000_000_000)

  func client(tls: String?) -> ClientDashboard {
    var dashboard = ClientDashboard(
      brokerURL: "amqps://guest:***@localhost:5671/%2F", serverProduct: "RabbitMQ 3.10.8",
      callbackQueue: "amq.gen-abc", queue: "rpc_queue", timeout: .seconds(30))
    dashboard.tls = tls
    dashboard.status = .connected
    return dashboard
  }

  func server(tls: String?) -> ServerDashboard {
    var dashboard = ServerDashboard(
      brokerURL: "amqps://guest:***@localhost:5671/%2F", queue: "rpc_queue",
      queueOrigin: "declared classic", prefetch: 1, work: .recursive, maximumN: 45)
    dashboard.tls = tls
    dashboard.status = .connected
    return dashboard
  }

  func header(width: Int = 200, _ render: (inout ScreenBuffer) -> Void) -> String {
    var buffer = ScreenBuffer(width: width, height: 30)
    render(&buffer)
    return buffer.trimmedLines.first ?? ""
  }

  @Test func clientHeaderShowsTheTLSAfterTheBroker() {
    var dashboard = client(tls: Self.tls)
    let line = header { dashboard.render(into: &$0, now: now) }
    #expect(
      line.contains("amqps://guest:***@localhost:5671/%2F │ \(Self.tls) │ RabbitMQ"), "\(line)")
    var plain = client(tls: nil)
    #expect(!header { plain.render(into: &$0, now: now) }.contains("TLS"))
  }

  @Test func serverHeaderShowsTheTLSAfterTheBroker() {
    var dashboard = server(tls: Self.tls)
    let line = header { dashboard.render(into: &$0, now: now) }
    #expect(line.hasSuffix("amqps://guest:***@localhost:5671/%2F │ \(Self.tls)"), "\(line)")
    var plain = server(tls: nil)
    #expect(!header { plain.render(into: &$0, now: now) }.contains("TLS"))
  }

  @Test func demoHeaderShowsTheTLSAfterTheBroker() {
    var dashboard = DemoDashboard(client: client(tls: Self.tls), server: server(tls: Self.tls))
    let line = header { dashboard.render(into: &$0, now: now) }
    #expect(
      line.contains("amqps://guest:***@localhost:5671/%2F │ \(Self.tls) │ RabbitMQ"), "\(line)")
  }

  @Test func anUnverifiedPeerIsSaidInEveryHeaderAtEveryWidth() {
    let unverified = Self.tls + " UNVERIFIED"
    for width in [80, 120, 200] {
      var client = client(tls: unverified)
      var server = server(tls: unverified)
      var demo = DemoDashboard(client: client, server: server)
      let lines = [
        header(width: width) { client.render(into: &$0, now: now) },
        header(width: width) { server.render(into: &$0, now: now) },
        header(width: width) { demo.render(into: &$0, now: now) },
      ]
      for line in lines { #expect(line.contains("UNVERIFIED"), "\(width) columns: \(line)") }
    }
  }
}
