import AMQPRPC
import Foundation
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// What shows for a while and then goes: flash messages and the help (one type for both
/// dashboards), `recovered after …` in the header, the caption of a tour that has ended.
@Suite struct TransientStateTests {
  let now = ScreenFixtures.now

  @Test func aFlashMessageShowsUntilItsTimeThenGoes() {
    var state = TransientState()
    state.say("w3 added", style: .ok, now: now, for: 5)
    #expect(state.message(at: now + .milliseconds(4_999))?.text == "w3 added")
    #expect(state.showsMessage(at: now))
    #expect(state.message(at: now + .seconds(5)) == nil)
    state.expire(now: now + .seconds(4))
    #expect(state.flash != nil)
    state.expire(now: now + .seconds(5))
    #expect(state.flash == nil)
  }

  @Test func theHelpTakesOneKeyToCloseButNotAResize() {
    var state = TransientState()
    let closedTakes = state.helpTakes(.character("x"))
    #expect(!closedTakes)
    state.openHelp()
    let resizeTaken = state.helpTakes(.resize)
    #expect(resizeTaken && state.showsHelp)
    let keyTaken = state.helpTakes(.character("+"))
    #expect(keyTaken && !state.showsHelp)
  }

  @Test func bothDashboardsExpireTheirMessagesAlike() {
    var server = ScreenFixtures.server()
    _ = server.handle(.character("]"), now: now)
    var client = ScreenFixtures.client()
    _ = client.handle(.character("x"), now: now)
    _ = client.handle(.enter, now: now)
    let serverMessage = "new workers get prefetch 5"
    let clientMessage = "\"x\" is not a whole number"
    let render = {
      (server: inout ServerDashboard, client: inout ClientDashboard, at: NIODeadline)
        -> String in
      (ScreenRendering.lines(of: &server, width: 120, height: 40, now: at)
        + ScreenRendering.lines(of: &client, width: 120, height: 40, now: at))
        .joined(separator: "\n")
    }
    let early = render(&server, &client, now + .seconds(4))
    #expect(early.contains(serverMessage) && early.contains(clientMessage), "\(early)")
    let late = render(&server, &client, now + .seconds(6))
    #expect(!late.contains(serverMessage) && !late.contains(clientMessage), "\(late)")
  }

  /// The header's parts other than the connection state.
  func otherParts(_ header: String) -> [String] {
    header.split(separator: "│").map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.hasPrefix("recovered") && $0 != "connected" }
  }

  @Test(arguments: [(80, 24), (120, 40)])
  func recoveredShowsForAWhileThenConnectedPushingNothingOut(width: Int, height: Int) {
    var client = ScreenFixtures.client()
    var demo = ScreenFixtures.demo()
    let headers = { (at: NIODeadline) -> [String] in
      [
        ScreenRendering.lines(of: &client, width: width, height: height, now: at)[0],
        ScreenRendering.lines(of: &demo, width: width, height: height, now: at)[0],
      ]
    }
    let connected = headers(now)
    client.status = .recovered(downtime: .milliseconds(2_310), attempts: 2, at: now)
    demo.client.status = client.status
    demo.server.status = .recovered(downtime: .milliseconds(2_100), attempts: 2, at: now)
    let recovered = headers(now + .seconds(9))
    for (before, after) in zip(connected, recovered) {
      #expect(after.contains("│ recovered"), "\(after)")
      #expect(otherParts(after) == otherParts(before), "\(before)\n\(after)")
      #expect(after.cellWidth <= width)
    }
    if width >= 120 { #expect(recovered[0].contains("│ recovered 2.31 s │"), "\(recovered[0])") }
    #expect(headers(now + ConnectionStatus.recoveredShownFor) == connected)
  }

  @Test func theCaptionOfATourThatEndedGoesAfterAWhile() {
    var board = ScreenFixtures.demo()
    let caption = "Tour finished — F8 runs it again."
    let shows = { (board: inout DemoDashboard, at: NIODeadline) -> Bool in
      ScreenRendering.lines(of: &board, width: 120, height: 40, now: at)
        .contains(" \(caption)")
    }
    board.setTourRunning(true, now: now)
    board.caption = caption
    // A running tour's caption stays until the next one, however long the step.
    #expect(shows(&board, now + .seconds(60)))
    board.setTourRunning(false, now: now + .seconds(60))
    #expect(board.isAnimating(now: now + .seconds(61)))
    #expect(shows(&board, now + .seconds(60) + DemoDashboard.captionLinger - .milliseconds(1)))
    #expect(!shows(&board, now + .seconds(60) + DemoDashboard.captionLinger))
    #expect(board.caption == nil)
  }
}

/// Notes under the client's input that outlived what they said: `sending N requests` after
/// the answers, a refusal after the line was cleared, a link note hidden by a typed call.
extension TransientStateTests {
  static func stats(sent: Int, ended: Int) -> RPCClientStats {
    RPCClientStats(
      sent: sent, outcomes: ended > 0 ? [.ok: ended] : [:], discarded: [:],
      inFlight: sent - ended, oldestInFlight: [], latency: .empty, completionsPerSecond: 0)
  }

  func notes(_ client: inout ClientDashboard, at moment: NIODeadline) -> String {
    ScreenRendering.lines(of: &client, now: moment).prefix(6).joined(separator: "\n")
  }

  @Test func theSendingNoteGoesOnceItsCallsHaveEnded() {
    var client = ClientDashboard.forTests()
    client.update(stats: Self.stats(sent: 0, ended: 0), now: now)
    for character in "1 2 3 4 5 6 7 8 9 10 11 12" {
      _ = client.handle(.character(character), now: now)
    }
    #expect(client.handle(.enter, now: now) == [.send(Array(1...12))])
    let soon = now + .milliseconds(100)
    client.update(stats: Self.stats(sent: 12, ended: 5), now: soon)
    #expect(notes(&client, at: soon).contains("sending 12 requests"))
    client.update(stats: Self.stats(sent: 12, ended: 12), now: soon)
    #expect(!notes(&client, at: soon).contains("sending 12"), "\(notes(&client, at: soon))")
  }

  @Test(arguments: [Key.control("u"), .escape, .enter])
  func aRefusalGoesWhenTheLineIsClearedOrAnEmptyLineIsEntered(key: Key) {
    var client = ClientDashboard.forTests()
    for character in "abc" { _ = client.handle(.character(character), now: now) }
    #expect(client.handle(.enter, now: now).isEmpty)
    #expect(notes(&client, at: now).contains("nothing sent"))
    if key == .enter {
      for _ in 0..<3 { _ = client.handle(.backspace, now: now) }
    }
    _ = client.handle(key, now: now)
    #expect(!notes(&client, at: now).contains("nothing sent"), "\(notes(&client, at: now))")
  }

  @Test func aCallTypedWhileReconnectingKeepsTheLinkNoteInView() {
    var client = ClientDashboard.forTests()
    client.apply(
      .link(.lost(reason: "CONNECTION_FORCED", failed: 6, resent: 0)), now: now)
    client.status = .reconnecting(attempt: 1, nextTry: now + .seconds(1), reason: "x")
    for character in "30" { _ = client.handle(.character(character), now: now) }
    #expect(client.handle(.enter, now: now) == [.send([30])])
    let screen = notes(&client, at: now)
    #expect(screen.contains("link lost: 6 calls lost"), "\(screen)")
    #expect(screen.contains("sending 1 request"), "\(screen)")
  }
}
