experiment "a" {
  description = "${" # ERROR: Invalid expression
}
