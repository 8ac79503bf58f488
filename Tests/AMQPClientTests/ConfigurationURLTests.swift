import Testing

@testable import AMQPClient

@Suite struct ConfigurationURLTests {
  @Test func fullURLIsPercentDecoded() throws {
    let configuration = try AMQPConnectionConfiguration(
      url: "amqp://us%40er:p%3Ass@broker.example:5673/%2fprod?heartbeat=5&channel_max=10"
        + "&frame_max=8192&connection_timeout=1500&connection_name=rpc%20client")
    #expect(configuration.username == "us@er")
    #expect(configuration.password == "p:ss")
    #expect(configuration.host == "broker.example")
    #expect(configuration.port == 5673)
    #expect(configuration.virtualHost == "/prod")
    #expect(configuration.heartbeat == 5)
    #expect(configuration.channelMax == 10)
    #expect(configuration.frameMax == 8192)
    #expect(configuration.connectionTimeout == .milliseconds(1500))
    #expect(configuration.connectionName == "rpc client")
  }

  @Test func missingPathMeansTheDefaultVhostAndABareSlashTheEmptyOne() throws {
    #expect(try AMQPConnectionConfiguration(url: "amqp://h").virtualHost == "/")
    #expect(try AMQPConnectionConfiguration(url: "amqp://h/").virtualHost == "")
    #expect(try AMQPConnectionConfiguration(url: "amqp://h/%2f").virtualHost == "/")
  }

  @Test func amqpsDefaultsToPort5671AndIPv6HostsUseBrackets() throws {
    let tls = try AMQPConnectionConfiguration(url: "amqps://h")
    #expect(tls.useTLS && tls.port == 5671)
    let v6 = try AMQPConnectionConfiguration(url: "amqp://[::1]:5999")
    #expect(v6.host == "::1" && v6.port == 5999)
    #expect(try AMQPConnectionConfiguration(url: "amqp://h").port == 5672)
  }

  @Test(arguments: [
    "http://h", "amqp://h:99999", "amqp://h:abc", "amqp://h/a/b", "amqp://h?heartbeat=x",
    "amqp://h?bogus=1", "amqp://h/%zz", "amqp://[::1", "amqp://h?frame_max=100", "no-scheme",
  ])
  func invalidURLsAreRejectedWithAReason(url: String) {
    let error = #expect(throws: AMQPError.self) { try AMQPConnectionConfiguration(url: url) }
    #expect(error?.code == .invalidURL)
  }

  @Test func passwordNeverAppearsInDescriptionsOrErrors() throws {
    let configuration = try AMQPConnectionConfiguration(url: "amqp://u:hunter2@h/")
    #expect(!configuration.description.contains("hunter2"))
    #expect(configuration.redactedURL == "amqp://u:***@h:5672/")
    let error = #expect(throws: AMQPError.self) {
      try AMQPConnectionConfiguration(url: "amqp://u:hunter2@h:bad/")
    }
    #expect(error?.description.contains("hunter2") == false)
  }

  @Test func environmentSuppliesTheDefault() throws {
    let fromEnvironment = try AMQPConnectionConfiguration.fromEnvironment(["AMQP_URL": "amqp://e:1"]
    )
    #expect(fromEnvironment.host == "e" && fromEnvironment.port == 1)
    let fallback = try AMQPConnectionConfiguration.fromEnvironment([:])
    #expect(fallback.host == "127.0.0.1" && fallback.virtualHost == "/")
  }
}
