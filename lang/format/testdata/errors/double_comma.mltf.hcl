locals {
  a = [1, 2,, 3] # ERROR: Invalid expression
}
