import NIOCore
import NIOPosix
import Testing

@testable import AMQPClient

/// A TCP peer that accepts and then says nothing: the TLS handshake never completes, and the
/// connection timeout (which covers TCP, TLS and the AMQP handshake) ends the attempt.
@Suite struct TLSSilentPeerTests {
  @Test(.timeLimit(.minutes(1))) func aSilentPeerEndsAtTheConnectionTimeout() async throws {
    let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
      .bind(host: "127.0.0.1", port: 0).get()
    defer { silent.close(promise: nil) }
    let port = try #require(silent.localAddress?.port)
    var configuration = AMQPConnectionConfiguration(host: "127.0.0.1", port: port, useTLS: true)
    configuration.tls.verification = .verifyNone
    configuration.connectionTimeout = .milliseconds(300)
    let started = ContinuousClock.now
    let error = await #expect(throws: AMQPError.self) {
      _ = try await AMQPConnection.connect(to: configuration)
    }
    #expect(error?.code == .connectionTimeout, "\(String(describing: error))")
    // The timeout, not a hang: well before the test's own one-minute limit.
    #expect(ContinuousClock.now - started < .seconds(10))
  }
}
