import Logging

/// swift-log to standard error, bootstrapped once by the command.
enum LoggingSetup {
    static func bootstrap(level: String) -> Logger {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
        var logger = Logger(label: "chimera")
        logger.logLevel = parsed
        return logger
    }
}
