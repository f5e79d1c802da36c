import XCTest
@testable import Exhaustive
