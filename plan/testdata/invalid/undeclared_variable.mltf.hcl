experiment "a" {
  description = var.nope # ERROR: Reference to undeclared variable
}
