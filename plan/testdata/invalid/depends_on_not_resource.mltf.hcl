experiment "a" {
  depends_on = [var.x] # ERROR: Invalid depends_on entry
}
variable "x" {}
