experiment "a" {
  description = (1 + ) # ERROR: Invalid expression
}
