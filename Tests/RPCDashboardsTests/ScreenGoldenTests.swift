import Testing

/// The three screens at the sizes terminals open at, compared with `Goldens/<screen>-<W>x<H>.txt`
/// (re-record with `RECORD_GOLDENS=1`).
@Suite struct ScreenGoldenTests {
  static let cases = ScreenFixtures.sizes.map { "\($0.width)x\($0.height)" }

  @Test(arguments: ["demo", "client", "server"], cases)
  func screenMatchesItsGolden(screen: String, size: String) throws {
    try GoldenFile.check(
      ScreenRendering.fixture(screen, size: size), against: "\(screen)-\(size).txt")
  }

  /// The client screen in raw mode at the sizes terminals open at.
  @Test(arguments: ["80x24", "120x40"])
  func rawClientScreenMatchesItsGolden(size: String) throws {
    try GoldenFile.check(
      ScreenRendering.fixture("client-raw", size: size), against: "client-raw-\(size).txt")
  }
}
