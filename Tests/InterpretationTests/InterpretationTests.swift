import XCTest
@testable import Interpretation
