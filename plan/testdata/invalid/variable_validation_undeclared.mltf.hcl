variable "lr" {
  default = 0.1
  validation {
    condition     = var.lr > var.lrr # ERROR: Reference to undeclared variable | Did you mean var.lr?
    error_message = "lr is below ${var.lr_min}" # ERROR: Reference to undeclared variable
  }
}
