/// The one window every rate on the screens is taken over, in seconds.
enum RateWindow { static let seconds = 5 }
