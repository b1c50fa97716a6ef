experiment "a" {
  tags = "not a map" # ERROR: Incorrect attribute value type
}
