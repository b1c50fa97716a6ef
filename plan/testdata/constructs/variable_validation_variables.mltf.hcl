# Variable validation: a condition that refers to other variables.
variable "lr" {
  type    = number
  default = 0.1
  validation {
    condition     = var.lr > var.nope
    error_message = "lr is too small"
  }
}
