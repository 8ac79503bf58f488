import Testing

@testable import AMQPClient

@Suite struct TLSConfigurationURLTests {
  @Test func tlsQueryParametersFillTheTLSConfiguration() throws {
    let configuration = try AMQPConnectionConfiguration(
      url: "amqps://u:p@broker.example/%2f?cacertfile=/etc/ca%20s.pem&certfile=/c.pem"
        + "&keyfile=/c.key&verify=verify_peer&server_name_indication=rabbit.example&heartbeat=5")
    #expect(configuration.useTLS && configuration.port == 5671)
    #expect(configuration.tls.caCertificateFile == "/etc/ca s.pem")
    #expect(configuration.tls.certificateFile == "/c.pem")
    #expect(configuration.tls.keyFile == "/c.key")
    #expect(configuration.tls.verification == .verifyPeer)
    #expect(configuration.tls.serverNameIndication == "rabbit.example")
    #expect(configuration.heartbeat == 5)
    #expect(configuration.saslMechanisms == [.plain])
  }

  @Test func verificationIsOnWithTheSystemStoreByDefault() throws {
    let configuration = try AMQPConnectionConfiguration(url: "amqps://broker.example")
    #expect(configuration.tls == AMQPTLSConfiguration())
    #expect(configuration.tls.verification == .verifyPeer)
    #expect(configuration.tls.caCertificateFile == nil)
    let off = try AMQPConnectionConfiguration(url: "amqps://h?verify=verify_none")
    #expect(off.tls.verification == .verifyNone)
    #expect("\(off.tls.verification)" == "verify_none")
  }

  @Test func authMechanismsKeepTheirOrder() throws {
    let cert = "certfile=/c.pem&keyfile=/c.key"
    let both = try AMQPConnectionConfiguration(
      url: "amqps://h?\(cert)&auth_mechanism=plain&auth_mechanism=EXTERNAL")
    #expect(both.saslMechanisms == [.plain, .external])
    let external = try AMQPConnectionConfiguration(url: "amqps://h?\(cert)&auth_mechanism=external")
    #expect(external.saslMechanisms == [.external])
  }

  @Test(arguments: [
    ("amqp://h?cacertfile=/ca.pem", "cacertfile needs an amqps:// URL"),
    ("amqp://h?verify=verify_none", "verify needs an amqps:// URL"),
    ("amqps://h?verify=yes", "verify \"yes\" is not verify_peer or verify_none"),
    ("amqps://h?cacertfile=", "cacertfile is empty"),
    ("amqps://h?server_name_indication=", "server_name_indication is empty"),
    ("amqps://h?certfile=/c.pem", "certfile needs keyfile"),
    ("amqps://h?keyfile=/c.key", "keyfile needs certfile"),
    ("amqps://h?auth_mechanism=external", "EXTERNAL mechanism needs a client certificate"),
    ("amqp://h?auth_mechanism=external", "EXTERNAL mechanism logs in with a TLS client"),
    ("amqps://h?auth_mechanism=kerberos", "auth_mechanism \"kerberos\" is not one of plain"),
  ])
  func unusableTLSSettingsAreRefusedNamingTheParameter(url: String, message: String) {
    let error = #expect(throws: AMQPError.self) { try AMQPConnectionConfiguration(url: url) }
    #expect(error?.code == .invalidURL)
    #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
  }

  @Test func refusedTLSURLsNeverShowThePassword() {
    for url in [
      "amqps://user:s3cr%21t-pw@h/%2f?verify=maybe",
      "amqp://user:s3cr%21t-pw@h/%2f?cacertfile=/ca.pem",
      "amqps://user:s3cr%21t-pw@h/%2f?certfile=/c.pem",
    ] {
      let error = #expect(throws: AMQPError.self) { try AMQPConnectionConfiguration(url: url) }
      #expect(error?.description.contains("s3cr") == false, "\(error?.description ?? "")")
      #expect(error?.description.contains("user:***@h") == true, "\(error?.description ?? "")")
    }
  }

  @Test func configurationsBuiltInCodeAreCheckedAtConnect() async {
    var configuration = AMQPConnectionConfiguration(host: "127.0.0.1", useTLS: true)
    configuration.saslMechanisms = [.external]
    let error = await #expect(throws: AMQPError.self) {
      _ = try await AMQPConnection.connect(to: configuration)
    }
    #expect(error?.code == .invalidTLSConfiguration)
    #expect(error?.message.contains("needs a client certificate") == true)
  }

  @Test func unreadablePEMFilesFailBeforeConnecting() async {
    var configuration = AMQPConnectionConfiguration(host: "127.0.0.1", port: 1, useTLS: true)
    configuration.tls.caCertificateFile = "/nonexistent/ca.pem"
    let error = await #expect(throws: AMQPError.self) {
      _ = try await AMQPConnection.connect(to: configuration)
    }
    #expect(error?.code == .invalidTLSConfiguration)
    #expect(
      error?.message == "cannot read cacertfile \"/nonexistent/ca.pem\": No such file or directory")
  }
}
