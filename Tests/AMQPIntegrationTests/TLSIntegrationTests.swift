import AMQPClient
import Foundation
import Testing

extension BrokerTests {
  /// amqps against the TLS node of `Scripts/broker-tls`: real TLS over TCP, certificates made
  /// by openssl when the node was set up.
  @Suite struct TLS {
    @Test func serverAndClientAnswerFib30OverAmqpsWithTheCAInTheURL() async throws {
      let queue = Broker.uniqueName("tls-rpc")
      let url = try TLSBroker.url()
      let password = try TLSBroker.password()
      let server = try ChildProcess.product(
        "rpc-server", ["--no-tui", "--workers", "2", "--queue", queue, "--url", url])
      defer { server.stop() }
      let banner = try await server.waitForOutput(containing: "Awaiting RPC requests")
      #expect(banner.contains("amqps://tls-user:***@localhost:\(TLSBroker.port)"), "\(banner)")
      #expect(banner.contains("(TLSv1."), "\(banner)")

      let client = try ChildProcess.product("rpc-client", ["--queue", queue, "--url", url, "30"])
      let (status, output) = try await client.finish()
      #expect(status == 0, "\(output)")
      #expect(output.contains(" [.] Got 832040"), "\(output)")

      server.signal(SIGTERM)
      let (serverStatus, serverOutput) = try await server.finish()
      #expect(serverStatus == 0, "\(serverOutput)")
      #expect(serverOutput.contains("fib(30) = 832040"))
      for text in [banner, output, serverOutput] { #expect(!text.contains(password)) }

      let connection = try await AMQPConnection.connect(to: try TLSBroker.configuration())
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func theConnectionReportsTheProtocolAndCipherTheBrokerAlsoSees() async throws {
      var configuration = try TLSBroker.configuration()
      configuration.connectionName = Broker.uniqueName("tls-session")
      let connection = try await AMQPConnection.connect(to: configuration)
      let session = try #require(connection.tlsSession)
      #expect(session.peerVerified)
      // The broker's own view of this connection: `tlsv1.3	aes_256_gcm`.
      let rows = try TLSBroker.rabbitmqctl(
        "list_connections", "-q", "--no-table-headers", "client_properties", "ssl_protocol",
        "ssl_cipher")
      let row = try #require(
        rows.split(separator: "\n").first { $0.contains(configuration.connectionName ?? "?") })
      let fields = row.split(separator: "\t").suffix(2).map(String.init)
      #expect(session.protocolVersion.lowercased() == fields.first, "\(row)")
      #expect(
        session.cipherSuite.lowercased().contains(fields.last ?? "?"), "\(session) vs \(row)")
      try await connection.close()
    }

    @Test func aCAThatSignedSomethingElseIsRefusedAsUntrusted() async throws {
      var configuration = try TLSBroker.configuration()
      configuration.tls.caCertificateFile = try TLSBroker.file("other-ca.pem")
      let error = try #require(try await TLSBroker.refusal(configuration))
      #expect(error.code == .tlsHandshakeFailed)
      #expect(error.message.contains("untrusted certificate authority"), "\(error)")
      #expect(error.message.contains("other-ca.pem does not contain"), "\(error)")
    }

    @Test func withoutTheCATheSystemStoreDoesNotTrustTheTestCA() async throws {
      var configuration = try TLSBroker.configuration()
      configuration.tls.caCertificateFile = nil
      let error = try #require(try await TLSBroker.refusal(configuration))
      #expect(error.code == .tlsHandshakeFailed)
      #expect(error.message.contains("untrusted certificate authority"), "\(error)")
      #expect(error.message.contains("the system trust store"), "\(error)")
    }

    @Test func aCertificateForAnotherNameIsAHostNameMismatch() async throws {
      // The node serves other-name.example's certificate to whoever asks for this name.
      let configuration = try TLSBroker.configuration(
        "server_name_indication=wrong-name.localhost")
      let error = try #require(try await TLSBroker.refusal(configuration))
      #expect(error.code == .tlsHandshakeFailed)
      #expect(error.message.contains("host-name mismatch"), "\(error)")
      #expect(error.message.contains("CN=other-name.example"), "\(error)")
      #expect(error.message.contains("\"wrong-name.localhost\""), "\(error)")
    }

    @Test func anExpiredCertificateIsRefusedWithItsDate() async throws {
      let configuration = try TLSBroker.configuration("server_name_indication=expired.localhost")
      let error = try #require(try await TLSBroker.refusal(configuration))
      #expect(error.code == .tlsHandshakeFailed)
      #expect(error.message.contains("(CN=expired.localhost) expired on 2020-01-02"), "\(error)")
    }

    @Test func verifyNoneConnectsButSaysSoAndTheSessionIsUnverified() async throws {
      var configuration = try TLSBroker.configuration(
        "server_name_indication=expired.localhost", "verify=verify_none")
      configuration.tls.caCertificateFile = nil
      let connection = try await AMQPConnection.connect(to: configuration)
      #expect(connection.tlsSession?.peerVerified == false)
      #expect(connection.tlsSession?.description.hasSuffix(" UNVERIFIED") == true)
      try await connection.close()
    }

    @Test func externalLogsInWithTheClientCertificateAlone() async throws {
      var configuration = try TLSBroker.configuration(
        "certfile=\(try TLSBroker.file("client.pem"))",
        "keyfile=\(try TLSBroker.file("client.key"))", "auth_mechanism=external")
      configuration.username = "nobody"
      configuration.password = ""
      configuration.connectionName = Broker.uniqueName("tls-external")
      let connection = try await AMQPConnection.connect(to: configuration)
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true)
      #expect(queue.name.hasPrefix("amq.gen-"))
      let rows = try TLSBroker.rabbitmqctl(
        "list_connections", "-q", "--no-table-headers", "client_properties", "user",
        "auth_mechanism", "peer_cert_subject")
      let row = try #require(
        rows.split(separator: "\n").first { $0.contains(configuration.connectionName ?? "?") })
      #expect(row.contains("\ttls-client\tEXTERNAL\tCN=tls-client"), "\(row)")
      try await connection.close()
    }

    @Test func aClientCertificateTheBrokerRefusesIsNamed() async throws {
      let certificate = try TLSBroker.file("expired-client.pem")
      let configuration = try TLSBroker.configuration(
        "certfile=\(certificate)", "keyfile=\(try TLSBroker.file("expired-client.key"))",
        "auth_mechanism=external")
      let error = try #require(try await TLSBroker.refusal(configuration))
      #expect(error.code == .tlsHandshakeFailed)
      #expect(error.message.contains("refused our client certificate (\(certificate))"))
    }

    @Test func aKeyThatIsNotTheCertificatesIsRefusedBeforeConnecting() async throws {
      let configuration = try TLSBroker.configuration(
        "certfile=\(try TLSBroker.file("client.pem"))",
        "keyfile=\(try TLSBroker.file("expired-client.key"))")
      let error = await #expect(throws: AMQPError.self) {
        _ = try await AMQPConnection.connect(to: configuration)
      }
      #expect(error?.code == .invalidTLSConfiguration)
      #expect(
        error?.message.contains("do not belong together") == true, "\(String(describing: error))")
    }

    @Test func amqpsAgainstThePlainPortFailsAtOnceNamingIt() async throws {
      let plain = try Broker.configuration
      var configuration = try TLSBroker.configuration()
      configuration.host = plain.host
      configuration.port = plain.port
      let error = try #require(try await TLSBroker.refusal(configuration, within: 5))
      #expect(error.code == .tlsHandshakeFailed)
      #expect(error.message.contains("answered in plain AMQP"), "\(error)")
      #expect(error.message.contains("amqp:// port"), "\(error)")
    }

    @Test func amqpAgainstTheTLSPortFailsAtOnceNamingIt() async throws {
      let configuration = AMQPConnectionConfiguration(
        host: "localhost", port: TLSBroker.port, username: TLSBroker.user,
        password: try TLSBroker.password())
      let error = try #require(try await TLSBroker.refusal(configuration, within: 5))
      #expect(error.code == .protocolViolation)
      #expect(error.message.contains("speaks TLS"), "\(error)")
      #expect(error.message.contains("use amqps://"), "\(error)")
    }

    @Test func commandsFailWithAClearLineAndExitStatusAndNeverShowThePassword() async throws {
      let password = try TLSBroker.password()
      let plainPort = try Broker.configuration.port
      let cases: [(url: String, says: String)] = [
        (
          try TLSBroker.url() + "&cacertfile=\(try TLSBroker.file("other-ca.pem"))",
          "untrusted certificate authority"
        ),
        (try TLSBroker.url("server_name_indication=wrong-name.localhost"), "host-name mismatch"),
        (try TLSBroker.url("server_name_indication=expired.localhost"), "expired on 2020-01-02"),
        (try TLSBroker.url(port: plainPort), "answered in plain AMQP"),
        ("amqp://\(TLSBroker.user):\(password)@localhost:\(TLSBroker.port)/%2f", "speaks TLS"),
        (try TLSBroker.url("verify=verify_sometimes"), "is not verify_peer or verify_none"),
        (try TLSBroker.url("cacertfile=/nonexistent.pem"), "cannot read cacertfile"),
      ]
      for (url, says) in cases {
        let client = try ChildProcess.product("rpc-client", ["--url", url, "1"])
        let (status, output) = try await client.finish()
        #expect(status != 0, "\(output)")
        #expect(output.contains(says), "\(output)")
        #expect(output.contains("tls-user:***@"), "\(output)")
        #expect(!output.contains(password), "\(output)")
      }
    }

    @Test func verifyNonePrintsAWarningOnEveryRun() async throws {
      let url = try TLSBroker.url("verify=verify_none")
      for _ in 1...2 {
        let client = try ChildProcess.product(
          "rpc-client", ["--url", url, "--queue", Broker.uniqueName("nobody"), "1"])
        let (status, output) = try await client.finish()
        #expect(status == 1, "\(output)")
        #expect(output.contains("warning: verify=verify_none"), "\(output)")
        #expect(output.contains("unroutable"), "\(output)")  // it did connect
      }
    }
  }
}

extension BrokerTests.TLS {
  @Test func bothScreensShowTheTLSVersionAndCipherInTheirHeader() async throws {
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let url = try TLSBroker.url()
    let password = try TLSBroker.password()
    let queue = Broker.uniqueName("tls-screens")
    let server = try TmuxSession(
      [
        bin.appendingPathComponent("rpc-server").path, "--workers", "1", "--queue", queue,
        "--url", url,
      ], width: 200, height: 30)
    defer { server.kill() }
    let serverScreen = try await server.waitFor("Workers (1)")
    let serverHeader = serverScreen.split(separator: "\n").first.map(String.init) ?? ""
    #expect(serverHeader.contains("amqps://tls-user:***@localhost:\(TLSBroker.port)/%2F │ TLSv1."))
    #expect(serverHeader.contains(" TLS_"), "\(serverHeader)")

    let client = try TmuxSession(
      [bin.appendingPathComponent("rpc-client").path, "--queue", queue, "--url", url],
      width: 200, height: 30)
    defer { client.kill() }
    try await client.waitFor("workers 1")
    try client.type("30")
    let clientScreen = try await client.waitFor("832040")
    let clientHeader = clientScreen.split(separator: "\n").first.map(String.init) ?? ""
    #expect(clientHeader.contains("amqps://tls-user:***@localhost:\(TLSBroker.port)/%2F │ TLSv1."))
    #expect(clientHeader.contains(" TLS_"), "\(clientHeader)")
    #expect(!serverScreen.contains(password) && !clientScreen.contains(password))
    // Quit both (a screen whose terminal is killed under it keeps running).
    try client.sendKeys("q")
    try await client.waitFor("EXIT=0")
    try server.sendKeys("q")
    try await server.waitFor("EXIT=0")

    let connection = try await AMQPConnection.connect(to: try TLSBroker.configuration())
    let channel = try await connection.openChannel()
    try await channel.queueDelete(queue)
    try await connection.close()
  }
}

extension BrokerTests.TLS {
  @Test func aRecoveredLinkSpeaksTLSAgain() async throws {
    var configuration = try TLSBroker.configuration()
    configuration.connectionName = Broker.uniqueName("tls-recovery")
    configuration.recovery = AMQPRecoveryPolicy(
      initialDelay: .milliseconds(100), maximumDelay: .seconds(2))
    let connection = try await AMQPConnection.connect(to: configuration)
    let events = connection.events()
    let listing = try TLSBroker.rabbitmqctl(
      "list_connections", "--no-table-headers", "-q", "pid", "client_properties")
    let line = try #require(
      listing.split(separator: "\n").first { $0.contains(configuration.connectionName ?? "?") })
    let pid = String(try #require(line.split(separator: "\t").first))
    try TLSBroker.rabbitmqctl("close_connection", pid, "TLS recovery test")
    let recovered = try await withTimeout(20, "recovery over TLS") { () -> Bool in
      for await event in events { if case .recovered = event { return true } }
      return false
    }
    #expect(recovered)
    #expect(connection.tlsSession?.protocolVersion.hasPrefix("TLSv1.") == true)
    // The new link is TLS to the same node: the broker lists it again with its cipher.
    let after = try TLSBroker.rabbitmqctl(
      "list_connections", "--no-table-headers", "-q", "client_properties", "ssl")
    let row = try #require(
      after.split(separator: "\n").first { $0.contains(configuration.connectionName ?? "?") })
    #expect(row.hasSuffix("\ttrue"), "\(row)")
    let channel = try await connection.openChannel()
    _ = try await channel.queueDeclare(exclusive: true)
    try await connection.close()
  }
}
