experiment "a" {
  description = var.nope # ERROR: Reference to undeclared variable
}

experiment "b" {
  colour = "blue" # ERROR: Unsupported argument
}
