public import Foundation
public import Messages

/// Times and durations as `ccctl` prints them.
public enum TimeText {
    /// `12:01:02`: the time of day of `time` in `timeZone`.
    public static func timeOfDay(_ time: Timestamp, in timeZone: TimeZone) -> String {
        let offset = Int64(timeZone.secondsFromGMT(for: time.date))
        let seconds = (time.millisecondsSinceEpoch.floorDivided(by: 1000) + offset).floorModulo(86_400)
        return "\(twoDigits(seconds / 3600)):\(twoDigits(seconds / 60 % 60)):\(twoDigits(seconds % 60))"
    }

    /// A duration, short and to the point: `0s`, `850ms`, `12s`, `4m05s`, `1h02m`, `3d04h`.
    /// Negative durations (a clock ahead of this one) count as zero.
    public static func duration(milliseconds: Int) -> String {
        let milliseconds = max(0, milliseconds)
        if milliseconds == 0 { return "0s" }
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(twoDigits(Int64(seconds % 60)))s" }
        if seconds < 86_400 { return "\(seconds / 3600)h\(twoDigits(Int64(seconds / 60 % 60)))m" }
        return "\(seconds / 86_400)d\(twoDigits(Int64(seconds / 3600 % 24)))h"
    }

    /// `5 s`, `0.5 s`: a time limit as the command line gave it.
    public static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration / .milliseconds(1)
        if milliseconds.rounded() == milliseconds, Int(milliseconds) % 1000 == 0 { return "\(Int(milliseconds) / 1000) s" }
        return "\(String(format: "%g", milliseconds / 1000)) s"
    }

    private static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    fileprivate func floorModulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
