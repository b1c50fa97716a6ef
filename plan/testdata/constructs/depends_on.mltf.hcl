# The depends_on meta-argument: what an entry may be.
variable "x" {
  default = 1
}

experiment "a" {}

experiment "strings" {
  depends_on = ["experiment.a"]
}

experiment "variable" {
  depends_on = [var.x]
}
