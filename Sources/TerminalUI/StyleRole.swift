/// What a piece of text means; each terminal backend maps roles to colours and attributes
/// (with a monochrome fallback), so view models never name a colour.
package enum StyleRole: Int, Hashable, Sendable, CaseIterable {
  case normal
  /// Header and footer bars.
  case bar
  /// Panel titles.
  case title
  /// Column headings.
  case heading
  /// Less important text (ids, units).
  case dim
  /// Values to notice.
  case accent
  case ok
  case warning
  case error
  /// The selected row.
  case selected
  /// Key names in the footer and help.
  case key
}
