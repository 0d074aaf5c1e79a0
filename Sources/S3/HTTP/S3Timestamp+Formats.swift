extension S3Timestamp {
    static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let longWeekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func pad(_ value: Int64, _ width: Int, into out: inout String) {
        let text = String(value)
        if text.count < width { out += String(repeating: "0", count: width - text.count) }
        out += text
    }

    /// RFC 7231 §7.1.1.1 IMF-fixdate: `Fri, 24 May 2013 00:00:00 GMT` (Last-Modified, Date).
    public var httpDate: String {
        let f = fields
        var out = S3Timestamp.weekdayNames[f.weekday] + ", "
        S3Timestamp.pad(f.day, 2, into: &out)
        out += " " + S3Timestamp.monthNames[Int(f.month - 1)] + " "
        S3Timestamp.pad(f.year, 4, into: &out)
        out += " "
        S3Timestamp.pad(f.hour, 2, into: &out)
        out += ":"
        S3Timestamp.pad(f.minute, 2, into: &out)
        out += ":"
        S3Timestamp.pad(f.second, 2, into: &out)
        out += " GMT"
        return out
    }

    /// ISO 8601 basic, `20130524T000000Z`: SigV4's `x-amz-date` and `X-Amz-Date`.
    public var iso8601Basic: String {
        let f = fields
        var out = ""
        S3Timestamp.pad(f.year, 4, into: &out)
        S3Timestamp.pad(f.month, 2, into: &out)
        S3Timestamp.pad(f.day, 2, into: &out)
        out += "T"
        S3Timestamp.pad(f.hour, 2, into: &out)
        S3Timestamp.pad(f.minute, 2, into: &out)
        S3Timestamp.pad(f.second, 2, into: &out)
        out += "Z"
        return out
    }

    /// ISO 8601 extended with milliseconds, `2013-05-24T00:00:00.000Z`: `<LastModified>` and friends.
    public var iso8601: String {
        let f = fields
        var out = ""
        S3Timestamp.pad(f.year, 4, into: &out)
        out += "-"
        S3Timestamp.pad(f.month, 2, into: &out)
        out += "-"
        S3Timestamp.pad(f.day, 2, into: &out)
        out += "T"
        S3Timestamp.pad(f.hour, 2, into: &out)
        out += ":"
        S3Timestamp.pad(f.minute, 2, into: &out)
        out += ":"
        S3Timestamp.pad(f.second, 2, into: &out)
        out += "."
        S3Timestamp.pad(Int64(nanoseconds / 1_000_000), 3, into: &out)
        out += "Z"
        return out
    }

    /// Parses `YYYYMMDDTHHMMSSZ`.
    public init?(iso8601Basic text: String) {
        let b = Array(text.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z"),
            let year = S3Timestamp.number(b[0..<4]), let month = S3Timestamp.number(b[4..<6]),
            let day = S3Timestamp.number(b[6..<8]), let hour = S3Timestamp.number(b[9..<11]),
            let minute = S3Timestamp.number(b[11..<13]), let second = S3Timestamp.number(b[13..<15])
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Parses an HTTP-date in any of the three forms RFC 7231 §7.1.1.1 requires a recipient to accept:
    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
    /// and asctime (`Sun Nov  6 08:49:37 1994`). The weekday is not checked against the date.
    public init?(httpDate text: String) {
        let b = Array(text.utf8)
        guard b.count <= 64 else { return nil }
        if b.count == 29, b[3] == UInt8(ascii: ","), b[4] == UInt8(ascii: " ") {
            // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
            guard S3Timestamp.weekdayNames.contains(String(decoding: b[0..<3], as: UTF8.self)),
                b[7] == UInt8(ascii: " "), b[11] == UInt8(ascii: " "), b[16] == UInt8(ascii: " "),
                String(decoding: b[25..<29], as: UTF8.self) == " GMT",
                let day = S3Timestamp.number(b[5..<7]), let month = S3Timestamp.month(b[8..<11]),
                let year = S3Timestamp.number(b[12..<16]), let time = S3Timestamp.time(b[17..<25])
            else { return nil }
            self.init(year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2)
        } else if let comma = b.firstIndex(of: UInt8(ascii: ",")), comma >= 6 {
            // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
            let rest = Array(b[(comma + 1)...])
            guard S3Timestamp.longWeekdayNames.contains(String(decoding: b[0..<comma], as: UTF8.self)),
                rest.count == 23, rest[0] == UInt8(ascii: " "), rest[3] == UInt8(ascii: "-"),
                rest[7] == UInt8(ascii: "-"), rest[10] == UInt8(ascii: " "),
                String(decoding: rest[19..<23], as: UTF8.self) == " GMT",
                let day = S3Timestamp.number(rest[1..<3]), let month = S3Timestamp.month(rest[4..<7]),
                let shortYear = S3Timestamp.number(rest[8..<10]), let time = S3Timestamp.time(rest[11..<19])
            else { return nil }
            // RFC 7231 §7.1.1.1: a two-digit year more than 50 years in the future is in the past century;
            // without a clock here, 00-69 are read as 20xx and 70-99 as 19xx.
            let year = shortYear < 70 ? 2000 + shortYear : 1900 + shortYear
            self.init(year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2)
        } else if b.count == 24, b[3] == UInt8(ascii: " "), b[7] == UInt8(ascii: " "), b[10] == UInt8(ascii: " "),
            b[19] == UInt8(ascii: " ")
        {
            // asctime: "Sun Nov  6 08:49:37 1994"
            guard S3Timestamp.weekdayNames.contains(String(decoding: b[0..<3], as: UTF8.self)),
                let month = S3Timestamp.month(b[4..<7]), let time = S3Timestamp.time(b[11..<19]),
                let year = S3Timestamp.number(b[20..<24])
            else { return nil }
            let dayDigits = b[8] == UInt8(ascii: " ") ? b[9..<10] : b[8..<10]
            guard let day = S3Timestamp.number(dayDigits) else { return nil }
            self.init(year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2)
        } else {
            return nil
        }
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for d in digits {
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(d - UInt8(ascii: "0"))
        }
        return value
    }

    private static func month(_ name: ArraySlice<UInt8>) -> Int64? {
        let text = String(decoding: name, as: UTF8.self)
        guard let index = monthNames.firstIndex(of: text) else { return nil }
        return Int64(index + 1)
    }

    private static func time(_ b: ArraySlice<UInt8>) -> (Int64, Int64, Int64)? {
        let s = b.startIndex
        guard b.count == 8, b[s + 2] == UInt8(ascii: ":"), b[s + 5] == UInt8(ascii: ":"),
            let h = number(b[s..<(s + 2)]), let m = number(b[(s + 3)..<(s + 5)]), let sec = number(b[(s + 6)..<(s + 8)])
        else { return nil }
        return (h, m, sec)
    }
}
