import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPClient

extension ConnectionStateMachineTests {
  func startOk(mechanisms preferred: [AMQPSASLMechanism], offered: String)
    -> (AMQPMethod.Connection.StartOk?, AMQPError?)
  {
    var configuration = configuration
    configuration.saslMechanisms = preferred
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = machine.connected(now: start)
    switch machine.frameReceived(startFrame(mechanisms: offered), now: start) {
    case .write(let frames):
      guard case .method(0, .connectionStartOk(let startOk)) = frames.first else {
        return (nil, nil)
      }
      return (startOk, nil)
    case .closeConnection(_, let error): return (nil, error)
    default: return (nil, nil)
    }
  }

  @Test func externalIsChosenWhenWantedAndOfferedWithAnEmptyResponse() {
    let (startOk, _) = startOk(mechanisms: [.external], offered: "PLAIN AMQPLAIN EXTERNAL")
    #expect(startOk?.mechanism == "EXTERNAL")
    #expect(startOk?.response == "")
  }

  @Test func theFirstWantedMechanismTheBrokerOffersWins() {
    #expect(
      startOk(mechanisms: [.plain, .external], offered: "EXTERNAL PLAIN").0?.mechanism == "PLAIN")
    #expect(
      startOk(mechanisms: [.external, .plain], offered: "AMQPLAIN PLAIN").0?.mechanism == "PLAIN")
  }

  @Test func externalNotOfferedNamesWhatTheBrokerOffersAndThePlugin() {
    let (_, error) = startOk(mechanisms: [.external], offered: "AMQPLAIN PLAIN")
    #expect(error?.code == .unsupported)
    #expect(error?.message.contains("offers the login mechanisms AMQPLAIN PLAIN") == true)
    #expect(error?.message.contains("rabbitmq_auth_mechanism_ssl") == true)
  }

  @Test func refusedExternalLoginSaysTheCertificateWasRefused() {
    var configuration = configuration
    configuration.saslMechanisms = [.external]
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = machine.connected(now: start)
    _ = machine.frameReceived(startFrame(mechanisms: "PLAIN EXTERNAL"), now: start)
    let close = AMQPFrame.method(
      channel: 0, .connectionClose(.init(replyCode: 403, replyText: "ACCESS_REFUSED")))
    guard case .closeConnection(_, let error) = machine.frameReceived(close, now: start) else {
      Issue.record("expected the connection to close")
      return
    }
    #expect(error.code == .authenticationFailed)
    #expect(error.message.contains("EXTERNAL login with the client certificate refused"))
  }
}
