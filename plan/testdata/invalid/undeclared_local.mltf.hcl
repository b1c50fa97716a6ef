experiment "a" {
  description = local.nope # ERROR: Reference to undeclared local value
}
