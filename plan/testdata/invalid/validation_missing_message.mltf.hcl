variable "x" {
  validation { # ERROR: Missing required argument
    condition = var.x != ""
  }
}
