import Crypto
import Foundation
import ExposureNotification
import Testing

struct ProcessingNumberTests {
    @Test func numbersAreEightDigitsAndSpreadOverTheWholeSpace() {
        var seen = Set<String>()
        var leadingDigits = [Int](repeating: 0, count: 10)
        for _ in 0..<5_000 {
            let number = ProcessingNumber.generate()
            #expect(number.text.count == 8 && number.text.allSatisfy(\.isNumber))
            seen.insert(number.text)
            leadingDigits[Int(String(number.text.prefix(1))) ?? 0] += 1
        }
        #expect(seen.count > 4_990)   // collisions in 10^8 for 5,000 draws: ~0.1 expected
        // Each leading digit (zeros included: numbers are padded) gets about a tenth.
        #expect(leadingDigits.allSatisfy { (350...650).contains($0) }, "\(leadingDigits)")
    }

    @Test func inputIsCleanedAndChecked() {
        #expect(ProcessingNumber("1234 5678")?.text == "12345678")
        #expect(ProcessingNumber("1234-5678")?.text == "12345678")
        #expect(ProcessingNumber("1234567") == nil)
        #expect(ProcessingNumber("123456789") == nil)
        #expect(ProcessingNumber("1234567a") == nil)
        #expect(ProcessingNumber("１２３４５６７８") == nil)   // full-width digits are not ASCII
    }

    @Test func theStoredHashIsKeyedAndNeverTheNumber() {
        let number = ProcessingNumber("00001234")
        let one = SymmetricKey(size: .bits256), two = SymmetricKey(size: .bits256)
        let hash = number.map { $0.keyedHash(secret: one) }
        #expect(hash?.count == 32)
        #expect(hash == number.map { $0.keyedHash(secret: one) })
        #expect(hash != number.map { $0.keyedHash(secret: two) })
        #expect(hash != Data(SHA256.hash(data: Data("00001234".utf8))))
        #expect("\(number.map { "\($0)" } ?? "")" == "********")
    }
}
