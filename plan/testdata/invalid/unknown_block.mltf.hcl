widget "a" { # ERROR: Unsupported block type
}
