/// Something drawn into a rectangle of a ``ScreenBuffer``, as ratatui's `Widget`: rendering
/// never changes the widget (state such as expiring messages is updated elsewhere).
package protocol Widget {
  /// Draws into `area` of `buffer`, clipped to it.
  func render(into buffer: inout ScreenBuffer, in area: Rect)
}
