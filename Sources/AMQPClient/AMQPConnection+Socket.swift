import NIOCore
import NIOPosix

extension AMQPConnection {
  /// Opens a TCP connection to `configuration`'s endpoint on `eventLoop`, with `install`
  /// adding the connection handler to the new pipeline; the first connection and every
  /// reconnection go through here.
  static func connectSocket(
    _ configuration: AMQPConnectionConfiguration, on eventLoop: any EventLoop,
    install: @escaping @Sendable (any Channel) throws -> Void
  ) -> EventLoopFuture<any Channel> {
    ClientBootstrap(group: eventLoop)
      .connectTimeout(configuration.connectionTimeout.timeAmount)
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          if let tls = try makeTLSContext(configuration) {
            try addTLSHandlers(tls, configuration: configuration, to: channel)
          }
          try install(channel)
        }
      }
      .connect(host: configuration.host, port: configuration.port)
  }

  /// The error for a TCP connect that failed.
  static func connectError(_ error: any Error, _ configuration: AMQPConnectionConfiguration)
    -> AMQPError
  {
    if let error = error as? AMQPError { return error }
    if case ChannelError.connectTimeout = error {
      return AMQPError(
        .connectionTimeout,
        "TCP connect to \(configuration.endpoint) did not finish within "
          + "\(configuration.connectionTimeout)")
    }
    return AMQPError(
      .connectFailed,
      "cannot connect to \(configuration.endpoint): \(SocketErrorText.describe(error))")
  }
}
