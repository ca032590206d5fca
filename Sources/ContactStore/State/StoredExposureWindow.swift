import ExposureNotification

/// An exposure window as the store keeps it (sealed, forgotten with its day): the matches found so
/// far, so that files arriving on later days add to a day's judgement instead of replacing it.
struct StoredExposureWindow: Codable {
    var keyData: String
    var day: Int32
    var reportType: Int32
    var infectiousness: String
    var calibrationConfidence: UInt8
    var scanInstances: [ScanInstance]

    init(_ window: ExposureWindow) {
        keyData = window.keyData.description
        day = window.day.rawValue
        reportType = window.reportType.rawValue
        infectiousness = window.infectiousness.rawValue
        calibrationConfidence = window.calibrationConfidence
        scanInstances = window.scanInstances
    }

    var window: ExposureWindow? {
        guard let key = Block16(hex: keyData), let type = ReportType(rawValue: reportType),
              let level = Infectiousness(rawValue: infectiousness) else { return nil }
        return ExposureWindow(keyData: key, day: ExposureDay(rawValue: day), reportType: type, infectiousness: level,
                              calibrationConfidence: calibrationConfidence, scanInstances: scanInstances)
    }
}
